"""Dispatch: encrypted recipient and text on each notification until sent; SMS opt-outs; replies for staff.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-21 23:00:00.998220
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('sms_opt_out',
    sa.Column('phone_index', sa.LargeBinary(length=32), nullable=False),
    sa.Column('opted_out_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('opted_in_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('keyword', sa.String(length=20), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('phone_index', name=op.f('pk_sms_opt_out'))
    )
    op.create_table('inbound_message',
    sa.Column('provider_message_id', sa.String(length=64), nullable=False),
    sa.Column('sender_encrypted', sa.LargeBinary(), nullable=True),
    sa.Column('sender_index', sa.LargeBinary(length=32), nullable=False),
    sa.Column('body_encrypted', sa.LargeBinary(), nullable=True),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('handled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('handled_by', sa.Uuid(), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['handled_by'], ['staff_user.id'], name=op.f('fk_inbound_message_handled_by_staff_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inbound_message')),
    sa.UniqueConstraint('provider_message_id', name=op.f('uq_inbound_message_provider_message_id'))
    )
    with op.batch_alter_table('inbound_message', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_inbound_message_received_at'), ['received_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_inbound_message_sender_index'), ['sender_index'], unique=False)

    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.add_column(sa.Column('recipient_encrypted', sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column('body_encrypted', sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column('final_at', sa.DateTime(timezone=True), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.drop_column('final_at')
        batch_op.drop_column('body_encrypted')
        batch_op.drop_column('recipient_encrypted')

    with op.batch_alter_table('inbound_message', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_inbound_message_sender_index'))
        batch_op.drop_index(batch_op.f('ix_inbound_message_received_at'))

    op.drop_table('inbound_message')
    op.drop_table('sms_opt_out')
