"""Interpreter call-back requests: a spoken language and an encrypted phone number, nothing else.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-21 22:33:01.684156
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('interpreter_call_request',
    sa.Column('language', sa.String(length=16), nullable=False),
    sa.Column('phone_encrypted', sa.LargeBinary(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('called_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('called_by', sa.Uuid(), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['called_by'], ['staff_user.id'], name=op.f('fk_interpreter_call_request_called_by_staff_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_interpreter_call_request'))
    )
    with op.batch_alter_table('interpreter_call_request', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_interpreter_call_request_created_at'), ['created_at'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('interpreter_call_request', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_interpreter_call_request_created_at'))

    op.drop_table('interpreter_call_request')
