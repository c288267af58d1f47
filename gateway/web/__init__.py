"""The web service: the app factory (`app.make_app`), `services.Services` built once at start-up,
ops endpoints and the OpenAPI document."""
