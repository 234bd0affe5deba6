"""Staff phones: a verified mobile number on staff accounts, and the codes that confirm it.

The number (encrypted) receives campaign test messages; it is kept only once a 6-digit code
texted to it has been typed back, and the codes are stored as Argon2id hashes.

Revision ID: 0010
Revises: 0009
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0010'
down_revision: str | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('staff_user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('phone_encrypted', sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column('phone_verified_at', sa.DateTime(timezone=True), nullable=True))

    op.create_table('staff_phone_code',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('staff_user_id', sa.Uuid(), nullable=False),
    sa.Column('phone_encrypted', sa.LargeBinary(), nullable=True),
    sa.Column('code_hash', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('failed_attempts', sa.Integer(), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['staff_user_id'], ['staff_user.id'], name=op.f('fk_staff_phone_code_staff_user_id_staff_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_staff_phone_code'))
    )
    with op.batch_alter_table('staff_phone_code', schema=None) as batch_op:
        batch_op.create_index('ix_staff_phone_code_lookup', ['staff_user_id', 'created_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('staff_phone_code', schema=None) as batch_op:
        batch_op.drop_index('ix_staff_phone_code_lookup')

    op.drop_table('staff_phone_code')
    with op.batch_alter_table('staff_user', schema=None) as batch_op:
        batch_op.drop_column('phone_verified_at')
        batch_op.drop_column('phone_encrypted')
