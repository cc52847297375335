"""Every feature's models, imported together: SQLAlchemy resolves a relationship by its class's name once all are
known, and Alembic (`migrations/env.py`) compares the migrations with every table. Import a model from its feature
(`feedback.surveys.models`), not from here.

Each feature's statuses, roles and sources are StrEnums beside its models, and the database holds each column to
its enum's values with a CHECK constraint (migration 0016)."""

from feedback.accounts import models as _accounts  # noqa: F401
from feedback.actions import models as _actions  # noqa: F401
from feedback.advocacy import models as _advocacy  # noqa: F401
from feedback.audit import models as _audit  # noqa: F401
from feedback.insight import models as _insight  # noqa: F401
from feedback.messages import models as _messages  # noqa: F401
from feedback.ops import models as _ops  # noqa: F401
from feedback.people import models as _people  # noqa: F401
from feedback.safeguarding import models as _safeguarding  # noqa: F401
from feedback.statements import models as _statements  # noqa: F401
from feedback.surveys import models as _surveys  # noqa: F401
