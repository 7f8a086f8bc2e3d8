"""answers collected at community events: the event channel and the event's name

Revision ID: i17_event_channel
Revises: f89bddb0a275
Create Date: 2026-12-06 06:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = 'i17_event_channel'
down_revision: str | None = 'f89bddb0a275'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD = sa.Enum('web', 'paper', 'kiosk', name='channel')
NEW = sa.Enum('web', 'paper', 'kiosk', 'event', name='channel')


def upgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("ALTER TYPE channel ADD VALUE IF NOT EXISTS 'event'")
    with op.batch_alter_table('response', schema=None) as batch_op:
        if op.get_bind().dialect.name != 'postgresql':
            batch_op.alter_column('channel', existing_type=OLD, type_=NEW, existing_nullable=False)
        batch_op.add_column(
            sa.Column('event', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table('response', schema=None) as batch_op:
        batch_op.drop_column('event')
