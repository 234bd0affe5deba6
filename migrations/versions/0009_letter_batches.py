"""Letter batches: who gets a notice by post, the codes printed, and the requests answered.

Revision ID: 0009
Revises: 0008
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0009'
down_revision: str | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('letter_batch',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('state', sa.Enum('submitted', 'approved', 'rejected', 'posted', name='letterbatchstate', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('created_by_id', sa.Uuid(), nullable=False),
    sa.Column('decided_by_id', sa.Uuid(), nullable=True),
    sa.Column('decision_reason', sa.String(length=500), nullable=True),
    sa.Column('posted_by_id', sa.Uuid(), nullable=True),
    sa.Column('letter_count', sa.Integer(), nullable=False),
    sa.Column('page_count', sa.Integer(), nullable=True),
    sa.Column('downloads', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_downloaded_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('posted_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('decided_by_id IS NULL OR decided_by_id <> created_by_id', name=op.f('ck_letter_batch_decider_is_not_creator')),
    sa.ForeignKeyConstraint(['created_by_id'], ['staff_user.id'], name=op.f('fk_letter_batch_created_by_id_staff_user')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['staff_user.id'], name=op.f('fk_letter_batch_decided_by_id_staff_user')),
    sa.ForeignKeyConstraint(['posted_by_id'], ['staff_user.id'], name=op.f('fk_letter_batch_posted_by_id_staff_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_letter_batch'))
    )
    with op.batch_alter_table('letter_batch', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_letter_batch_state'), ['state'], unique=False)

    op.create_table('letter_batch_letter',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('batch_id', sa.Uuid(), nullable=False),
    sa.Column('person_id', sa.Uuid(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('locale', sa.String(length=16), nullable=False),
    sa.Column('notice_code_id', sa.Uuid(), nullable=True),
    sa.ForeignKeyConstraint(['batch_id'], ['letter_batch.id'], name=op.f('fk_letter_batch_letter_batch_id_letter_batch'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['notice_code_id'], ['notice_code.id'], name=op.f('fk_letter_batch_letter_notice_code_id_notice_code'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['person_id'], ['affected_person.id'], name=op.f('fk_letter_batch_letter_person_id_affected_person'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_letter_batch_letter')),
    sa.UniqueConstraint('batch_id', 'person_id', name=op.f('uq_letter_batch_letter_batch_id_person_id'))
    )
    with op.batch_alter_table('letter_batch_letter', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_letter_batch_letter_batch_id'), ['batch_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_letter_batch_letter_person_id'), ['person_id'], unique=False)

    op.create_table('letter_batch_request',
    sa.Column('batch_id', sa.Uuid(), nullable=False),
    sa.Column('letter_request_id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['batch_id'], ['letter_batch.id'], name=op.f('fk_letter_batch_request_batch_id_letter_batch'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['letter_request_id'], ['letter_request.id'], name=op.f('fk_letter_batch_request_letter_request_id_letter_request'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('batch_id', 'letter_request_id', name=op.f('pk_letter_batch_request'))
    )
    with op.batch_alter_table('letter_batch_request', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_letter_batch_request_letter_request_id'), ['letter_request_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('letter_batch_request', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_letter_batch_request_letter_request_id'))

    op.drop_table('letter_batch_request')
    with op.batch_alter_table('letter_batch_letter', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_letter_batch_letter_person_id'))
        batch_op.drop_index(batch_op.f('ix_letter_batch_letter_batch_id'))

    op.drop_table('letter_batch_letter')
    with op.batch_alter_table('letter_batch', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_letter_batch_state'))

    op.drop_table('letter_batch')
