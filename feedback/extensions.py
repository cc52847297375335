"""Flask extensions, created unbound here and bound to the app in `create_app`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase, Session

# Named constraints, so that migrations can drop and alter them on every database (SQLite included).
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)
if TYPE_CHECKING:
    # What the type checker sees of the models' base: Flask-SQLAlchemy builds `db.Model` from `Base` at run time, a
    # class it cannot follow.
    Model = Base
else:
    Model = db.Model
migrate = Migrate()
csrf = CSRFProtect()
login_manager = LoginManager()
# Limits are counted per address in RATELIMIT_STORAGE_URI (shared by all web workers in production). Only the
# routes that name a limit have one.
limiter = Limiter(key_func=get_remote_address)


def current_session() -> Session:
    """The database session of the current app context, typed as the plain Session the services take."""
    session: Session = db.session()
    return session
