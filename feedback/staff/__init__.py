"""Staff pages: private by default. Every view needs a signed-in member of staff unless allow-listed here."""

from feedback.staff.views import bp

__all__ = ["bp"]
