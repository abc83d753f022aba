from shared.http.app import create_app
from shared.lambda_http import http_handler
from shared.tasks.routes import router

app = create_app(router, title="tasks")
handler = http_handler(app)
