"""care team: connections between patients and practitioners, the access log, recorded_by

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-25

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "care_connections",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("practitioner_id", sa.Integer(), nullable=False),
        sa.Column("include_notes", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["users.id"],
            name="fk_care_connections_patient_id_users", ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["practitioner_id"], ["users.id"],
            name="fk_care_connections_practitioner_id_users", ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_care_connections"),
        sa.UniqueConstraint(
            "patient_id", "practitioner_id", name="uq_care_connections_patient_practitioner"
        ),
    )
    op.create_index(
        "ix_care_connections_practitioner_id", "care_connections", ["practitioner_id"]
    )
    op.create_table(
        "access_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("connection_id", sa.String(36), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("what", sa.String(40), nullable=False),
        sa.ForeignKeyConstraint(
            ["connection_id"], ["care_connections.id"],
            name="fk_access_log_connection_id_care_connections", ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_access_log"),
    )
    op.create_index("ix_access_log_connection_at", "access_log", ["connection_id", "at"])
    # Adding a column with a default needs no rebuild on SQLite: the rows keep their ids.
    op.add_column(
        "acupuncture_sessions",
        sa.Column("recorded_by", sa.String(250), server_default="", nullable=False),
    )


def downgrade():
    with op.batch_alter_table("acupuncture_sessions", schema=None) as batch_op:
        batch_op.drop_column("recorded_by")
    op.drop_index("ix_access_log_connection_at", table_name="access_log")
    op.drop_table("access_log")
    op.drop_index("ix_care_connections_practitioner_id", table_name="care_connections")
    op.drop_table("care_connections")
