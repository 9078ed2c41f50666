"""record counts: users count their entries and sessions, for the per-account quota

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade():
    # On SQLite this rebuilds users: env.py turns foreign keys off and checks them before the
    # commit, so the rebuild cannot cascade into entries and sessions.
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("entry_count", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("session_count", sa.Integer(), server_default="0", nullable=False))
    op.execute(
        "UPDATE users SET "
        "entry_count = (SELECT count(*) FROM entries WHERE entries.user_id = users.id), "
        "session_count = (SELECT count(*) FROM acupuncture_sessions "
        "WHERE acupuncture_sessions.user_id = users.id)"
    )


def downgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("session_count")
        batch_op.drop_column("entry_count")
