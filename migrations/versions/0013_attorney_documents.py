"""Attorney documents: signed G-28 and EOIR-28 forms, and client lists for matching in bulk.

Revision ID: 0013
Revises: 0012
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0013'
down_revision: str | None = '0012'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('client_list',
    sa.Column('attorney_id', sa.Uuid(), nullable=False),
    sa.Column('row_count', sa.Integer(), nullable=False),
    sa.Column('state', sa.Enum('submitted', 'matched', 'rejected', name='clientliststate', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('reviewed_by_id', sa.Uuid(), nullable=True),
    sa.Column('reviewed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('matched_count', sa.Integer(), nullable=True),
    sa.Column('unmatched_count', sa.Integer(), nullable=True),
    sa.Column('rejection_reason_encrypted', sa.LargeBinary(), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['attorney_id'], ['attorney.id'], name=op.f('fk_client_list_attorney_id_attorney'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['reviewed_by_id'], ['staff_user.id'], name=op.f('fk_client_list_reviewed_by_id_staff_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_client_list'))
    )
    with op.batch_alter_table('client_list', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_client_list_attorney_id'), ['attorney_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_client_list_state'), ['state'], unique=False)


    op.create_table('client_list_row',
    sa.Column('client_list_id', sa.Uuid(), nullable=False),
    sa.Column('row_number', sa.Integer(), nullable=False),
    sa.Column('a_number_index', sa.LargeBinary(length=32), nullable=False),
    sa.Column('date_of_birth_encrypted', sa.LargeBinary(), nullable=True),
    sa.Column('outcome', sa.Enum('linked', 'link_ended', 'birth_date_differs', 'not_in_list', name='clientlistoutcome', native_enum=False, create_constraint=True), nullable=True),
    sa.Column('person_id', sa.Uuid(), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['client_list_id'], ['client_list.id'], name=op.f('fk_client_list_row_client_list_id_client_list'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['person_id'], ['affected_person.id'], name=op.f('fk_client_list_row_person_id_affected_person'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_client_list_row')),
    sa.UniqueConstraint('client_list_id', 'row_number', name=op.f('uq_client_list_row_client_list_id_row_number'))
    )

    op.create_table('representation_form',
    sa.Column('attorney_id', sa.Uuid(), nullable=False),
    sa.Column('form_type', sa.Enum('g28', 'eoir28', name='representationformtype', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('a_number_index', sa.LargeBinary(length=32), nullable=False),
    sa.Column('a_number_encrypted', sa.LargeBinary(), nullable=True),
    sa.Column('date_of_birth_encrypted', sa.LargeBinary(), nullable=True),
    sa.Column('content_type', sa.String(length=40), nullable=False),
    sa.Column('size_bytes', sa.Integer(), nullable=False),
    sa.Column('document_base64_encrypted', sa.LargeBinary(), nullable=True),
    sa.Column('state', sa.Enum('submitted', 'accepted', 'rejected', name='reviewstate', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('reviewed_by_id', sa.Uuid(), nullable=True),
    sa.Column('reviewed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('rejection_reason_encrypted', sa.LargeBinary(), nullable=True),
    sa.Column('representation_id', sa.Uuid(), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['attorney_id'], ['attorney.id'], name=op.f('fk_representation_form_attorney_id_attorney'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['representation_id'], ['representation.id'], name=op.f('fk_representation_form_representation_id_representation'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['reviewed_by_id'], ['staff_user.id'], name=op.f('fk_representation_form_reviewed_by_id_staff_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_representation_form'))
    )
    with op.batch_alter_table('representation_form', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_representation_form_attorney_id'), ['attorney_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_representation_form_state'), ['state'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('representation_form', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_representation_form_state'))
        batch_op.drop_index(batch_op.f('ix_representation_form_attorney_id'))

    op.drop_table('representation_form')
    op.drop_table('client_list_row')
    with op.batch_alter_table('client_list', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_client_list_state'))
        batch_op.drop_index(batch_op.f('ix_client_list_attorney_id'))

    op.drop_table('client_list')
