"""entries indexes carry the pain scores (trends read them without visiting the table)

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-21

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

SCORES = ["overall", "back", "leg"]


def upgrade():
    with op.batch_alter_table("entries", schema=None) as batch_op:
        batch_op.create_index(
            "ix_entries_user_local_date_scores", ["user_id", "local_date", *SCORES], unique=False
        )
        batch_op.create_index(
            "ix_entries_user_recorded_at_scores", ["user_id", "recorded_at", *SCORES], unique=False
        )
        batch_op.drop_index("ix_entries_user_local_date")
        batch_op.drop_index("ix_entries_user_recorded_at")


def downgrade():
    with op.batch_alter_table("entries", schema=None) as batch_op:
        batch_op.create_index("ix_entries_user_recorded_at", ["user_id", "recorded_at"], unique=False)
        batch_op.create_index("ix_entries_user_local_date", ["user_id", "local_date"], unique=False)
        batch_op.drop_index("ix_entries_user_recorded_at_scores")
        batch_op.drop_index("ix_entries_user_local_date_scores")
