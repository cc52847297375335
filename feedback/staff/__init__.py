"""Staff pages: private by default. Every view needs a signed-in member of staff unless allow-listed here."""

from feedback.staff import account as _account  # noqa: F401 - sign-in's second step, two-factor, password
from feedback.staff import actions as _actions  # noqa: F401 - registers the "you said, we did" views on bp
from feedback.staff import advocacy as _advocacy  # noqa: F401 - registers the advocacy report's view on bp
from feedback.staff import alerts as _alerts  # noqa: F401 - registers the safeguarding alert views on bp
from feedback.staff import audit as _audit  # noqa: F401 - registers the audit log's view on bp
from feedback.staff import builder as _builder  # noqa: F401 - registers the survey builder's views on bp
from feedback.staff import channels as _channels  # noqa: F401 - registers the channel health view on bp
from feedback.staff import coding as _coding  # noqa: F401 - registers the message review views on bp
from feedback.staff import inbox as _inbox  # noqa: F401 - registers the inbox views on bp
from feedback.staff import notifications as _notifications  # noqa: F401 - the emails and texts to staff
from feedback.staff import people as _people  # noqa: F401 - registers the young people's register views on bp
from feedback.staff import schedules as _schedules  # noqa: F401 - registers the scheduled surveys' views on bp
from feedback.staff import summary as _summary  # noqa: F401 - registers the Champions Board summary views on bp
from feedback.staff import taxonomy as _taxonomy  # noqa: F401 - registers the taxonomy views on bp
from feedback.staff import users as _users  # noqa: F401 - registers the staff accounts' views on bp
from feedback.staff.views import bp

__all__ = ["bp"]
