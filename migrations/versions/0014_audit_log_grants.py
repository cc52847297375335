"""The audit log may only be read and added to by any role but its owner (PostgreSQL).

`deploy/roles.sql` runs the app as a role that owns nothing, with default privileges that give it SELECT, INSERT,
UPDATE and DELETE on every table the owner creates. On a new database it runs before the first migration, so the
audit log (0012) was created with those rights for the app's role too. Here every role other than the table's owner
(whatever it is called) keeps at most SELECT and INSERT on audit_event. The triggers of 0012 and 0013 refuse
UPDATE, DELETE and TRUNCATE whoever asks; this takes away even the right to ask. SQLite has no roles.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None

# Revoked from every grantee but the owner (PUBLIC included): all a table's rights but reading and adding rows.
_NARROWED = """
DO $$
DECLARE
    grantee text;
BEGIN
    FOR grantee IN
        SELECT DISTINCT CASE WHEN acl.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(pg_get_userbyid(acl.grantee)) END
        FROM pg_class c CROSS JOIN LATERAL aclexplode(c.relacl) AS acl
        WHERE c.oid = 'audit_event'::regclass AND acl.grantee <> c.relowner
    LOOP
        EXECUTE format('REVOKE UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER ON audit_event FROM %s', grantee);
    END LOOP;
END $$
"""


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_NARROWED)


def downgrade():
    # Nothing to give back: no version of the app needs more than to read and add to the audit log.
    pass
