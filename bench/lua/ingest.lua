-- wrk script for bench/ingest_http.py: POST /api/v1/messages, the same body and headers for the
-- gateway and the bare baseline. Every request has a unique Idempotency-Key and invoice number.
-- Arguments (after --): key prefix, number of customers, bearer token ("-" for none).
threads = {}  -- global: done.lua reads it
bad = 0  -- global: read with thread:get
local counter = 0
local prefix, customers, auth = "k", 1, nil

function setup(thread)
  thread:set("tid", #threads)
  table.insert(threads, thread)
end

function init(args)
  prefix = args[1] .. "-" .. tostring(tid)
  customers = tonumber(args[2])
  if args[3] ~= "-" then auth = "Bearer " .. args[3] end
end

function request()
  counter = counter + 1
  local body = string.format(
    '{"customer_id":"cust-%06d","category":"invoice","template":"invoice_ready","data":' ..
    '{"name":"Ragnhild Nordmann","period":"oktober 2026","amount":"1 234,50","due_date":"20.11.2026",' ..
    '"invoice_number":"%s-%d"}}', counter % customers, prefix, counter)
  local headers = {["Content-Type"] = "application/json", ["Idempotency-Key"] = prefix .. "-" .. counter}
  if auth then headers["Authorization"] = auth end
  return wrk.format("POST", nil, headers, body)
end

function response(status, headers, body)
  if status ~= 201 then bad = bad + 1 end
end

dofile(os.getenv("BENCH_WRK_DONE"))
