"""locale: the language a patient or practitioner chose (PRODUCT.md section 15)

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-25

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade():
    # A nullable column with no default: SQLite and PostgreSQL add it without rewriting users.
    op.add_column("users", sa.Column("locale", sa.String(16), nullable=True))


def downgrade():
    with op.batch_alter_table("users") as batch:
        batch.drop_column("locale")
