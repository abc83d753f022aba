from shared.tasks.batch import sqs_handler
from shared.tasks.worker import processor, record_handler

handler = sqs_handler(processor, record_handler)
