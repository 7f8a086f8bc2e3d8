"""closed-question results staff pick for the public page

Revision ID: i13_public_questions
Revises: i17_event_channel
Create Date: 2026-12-06 06:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "i13_public_questions"
down_revision: str | None = "i12_interface_locale"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("site") as batch:
        batch.add_column(
            sa.Column("public_questions", sa.JSON(), nullable=False, server_default="[]")
        )


def downgrade() -> None:
    with op.batch_alter_table("site") as batch:
        batch.drop_column("public_questions")
