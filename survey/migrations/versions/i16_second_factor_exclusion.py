"""A second factor for staff sign-in (per user, and a site may require it); an index to find the
responses staff left out of summaries.

Revision ID: i16_second_factor_exclusion
Revises: i18_reference_distributions
Create Date: 2026-12-06 20:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = "i16_second_factor_exclusion"
down_revision: str | None = "i18_reference_distributions"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("totp_secret", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True)
        )
        batch_op.add_column(
            sa.Column("totp_on", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(sa.Column("totp_last_step", sa.Integer(), nullable=True))
    with op.batch_alter_table("site", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "require_second_factor", sa.Boolean(), nullable=False, server_default=sa.false()
            )
        )
    with op.batch_alter_table("response", schema=None) as batch_op:
        batch_op.create_index("ix_response_excluded", ["excluded"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("response", schema=None) as batch_op:
        batch_op.drop_index("ix_response_excluded")
    with op.batch_alter_table("site", schema=None) as batch_op:
        batch_op.drop_column("require_second_factor")
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.drop_column("totp_last_step")
        batch_op.drop_column("totp_on")
        batch_op.drop_column("totp_secret")
