from shared.app import create_app, http_handler
from shared.devices.routes import router

app = create_app(router, title="devices")
handler = http_handler(app)
