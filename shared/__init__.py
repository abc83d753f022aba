"""The code every function imports.

Importing it first makes every pydantic model defer building its validator and serializer to
its first use, instead of doing it when the class is defined. That covers ours and FastAPI's
(its OpenAPI models alone are about a fifth of a cold start, and only the docs function ever
uses them): a function then builds only the models the requests it serves need. It must run
before FastAPI is imported, which every function's `from shared... import` guarantees. A model
with an error in its definition fails at its first use instead of at import: the test suite uses
them all.

FastAPI silences pydantic's warning about field metadata it passes but pydantic does not use
while it builds a parameter's adapter; built later, the warning would reach the logs, so it is
silenced here for good.
"""

import warnings

from pydantic import BaseModel
from pydantic.warnings import UnsupportedFieldAttributeWarning

BaseModel.model_config["defer_build"] = True
warnings.filterwarnings("ignore", category=UnsupportedFieldAttributeWarning)
