"""Attorney accounts: sessions, second factor, lockout, firm.

Revision ID: 0012
Revises: 0011
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0012'
down_revision: str | None = '0011'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('attorney_session',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('token_hash', sa.LargeBinary(length=32), nullable=False),
    sa.Column('attorney_id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('second_factor_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['attorney_id'], ['attorney.id'], name=op.f('fk_attorney_session_attorney_id_attorney'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attorney_session')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_attorney_session_token_hash'))
    )
    with op.batch_alter_table('attorney_session', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_attorney_session_attorney_id'), ['attorney_id'], unique=False)

    with op.batch_alter_table('attorney', schema=None) as batch_op:
        batch_op.add_column(sa.Column('firm', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('totp_confirmed_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('failed_sign_ins', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('locked_until', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('last_totp_step', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('last_sign_in_at', sa.DateTime(timezone=True), nullable=True))

    # The default was only for the rows that existed; the model sets the value from now on.
    with op.batch_alter_table('attorney', schema=None) as batch_op:
        batch_op.alter_column('failed_sign_ins', server_default=None)


def downgrade() -> None:
    with op.batch_alter_table('attorney', schema=None) as batch_op:
        batch_op.drop_column('last_sign_in_at')
        batch_op.drop_column('last_totp_step')
        batch_op.drop_column('locked_until')
        batch_op.drop_column('failed_sign_ins')
        batch_op.drop_column('totp_confirmed_at')
        batch_op.drop_column('firm')

    with op.batch_alter_table('attorney_session', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_attorney_session_attorney_id'))

    op.drop_table('attorney_session')
