"""Staff pages: private by default. Every view needs a signed-in member of staff unless allow-listed in
`feedback.staff.views.PUBLIC_ENDPOINTS`. Importing each feature's pages here registers them on the blueprint."""

from feedback.accounts import user_views as _users  # noqa: F401 - registers the staff accounts' views on bp
from feedback.accounts import views as _account  # noqa: F401 - sign-in's second step, two-factor, password
from feedback.actions import views as _actions  # noqa: F401 - registers the "you said, we did" views on bp
from feedback.advocacy import views as _advocacy  # noqa: F401 - registers the advocacy report's view on bp
from feedback.audit import views as _audit  # noqa: F401 - registers the audit log's view on bp
from feedback.channels.sms import simulator_views as _simulator  # noqa: F401 - the SMS simulator
from feedback.insight import coding_views as _coding  # noqa: F401 - registers the message review views on bp
from feedback.insight import survey_results_views as _results  # noqa: F401 - registers the survey results views on bp
from feedback.insight import taxonomy_views as _taxonomy  # noqa: F401 - registers the taxonomy views on bp
from feedback.insight import views as _summary  # noqa: F401 - registers the Champions Board summary views on bp
from feedback.messages import views as _channels  # noqa: F401 - registers the channel health view on bp
from feedback.people import views as _people  # noqa: F401 - registers the young people's register views on bp
from feedback.safeguarding import notification_views as _notifications  # noqa: F401 - the emails and texts to staff
from feedback.safeguarding import views as _alerts  # noqa: F401 - registers the safeguarding alert views on bp
from feedback.staff.views import bp
from feedback.statements import views as _inbox  # noqa: F401 - registers the inbox views on bp
from feedback.surveys import builder_views as _builder  # noqa: F401 - registers the survey builder's views on bp
from feedback.surveys import schedule_views as _schedules  # noqa: F401 - registers the scheduled surveys' views on bp

__all__ = ["bp"]
