from shared.app import create_app, http_handler
from shared.transactions.routes import router

app = create_app(router, title="transactions")
handler = http_handler(app)
