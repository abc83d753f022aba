from shared.admin.routes import router
from shared.http.app import create_app
from shared.lambda_http import http_handler

app = create_app(router, title="admin")
handler = http_handler(app)
