-- wrk script for bench/portal_open.py: GET a page. Argument (after --): a file with one request per
-- line, "PATH COOKIE" (COOKIE "-" for none); requests go round the lines, so 32 signed-in customers
-- each open their own message. Expected answer: 200.
threads = {}  -- global: done.lua reads it
bad = 0  -- global: read with thread:get
local lines, i = {}, 0

function setup(thread)
  thread:set("tid", #threads)
  table.insert(threads, thread)
end

function init(args)
  for line in io.lines(args[1]) do
    local path, cookie = line:match("^(%S+) (%S+)$")
    local headers = {}
    if cookie ~= "-" then headers["Cookie"] = cookie end
    table.insert(lines, wrk.format("GET", path, headers))
  end
  i = tid
end

function request()
  i = i + 1
  return lines[(i % #lines) + 1]
end

function response(status, headers, body)
  if status ~= 200 then bad = bad + 1 end
end

dofile(os.getenv("BENCH_WRK_DONE"))
