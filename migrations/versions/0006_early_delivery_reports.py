"""Delivery reports that arrive before the provider's message id is recorded.

Revision ID: 0006
Revises: 0005
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('early_delivery_report',
    sa.Column('provider_message_id', sa.String(length=64), nullable=False),
    sa.Column('provider_status', sa.String(length=20), nullable=False),
    sa.Column('error_code', sa.String(length=20), nullable=True),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('provider_message_id', name=op.f('pk_early_delivery_report'))
    )


def downgrade() -> None:
    op.drop_table('early_delivery_report')
