"""a survey's interface language for content languages without a catalog

Revision ID: i12_interface_locale
Revises: i17_event_channel
Create Date: 2026-12-06 06:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "i12_interface_locale"
down_revision: str | None = "i17_event_channel"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("survey", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "interface_locale",
                sqlmodel.sql.sqltypes.AutoString(length=16),
                nullable=False,
                server_default="en",
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("survey", schema=None) as batch_op:
        batch_op.drop_column("interface_locale")
