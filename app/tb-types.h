/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tb-types.h: forward declarations and enums shared across libtongban */

#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

typedef struct _TbCalendar  TbCalendar;
typedef struct _TbCase      TbCase;
typedef struct _TbCaseList  TbCaseList;
typedef struct _TbService   TbService;
typedef struct _TbStore     TbStore;
typedef struct _TbWorkflow  TbWorkflow;

/**
 * TbRole:
 *
 * What a signed-in user may do. A user may hold several roles.
 */
typedef enum
{
  TB_ROLE_NONE       = 0,
  TB_ROLE_CASEWORKER = 1 << 0,
  TB_ROLE_SUPERVISOR = 1 << 1,
  TB_ROLE_TRAINER    = 1 << 2,
  TB_ROLE_AUDITOR    = 1 << 3,
} TbRole;

/**
 * TbSyncState:
 *
 * Per-record sync state, shown beside each case in the inbox.
 */
typedef enum
{
  TB_SYNC_STATE_SYNCED,
  TB_SYNC_STATE_PENDING,
  TB_SYNC_STATE_SENDING,
  TB_SYNC_STATE_ERROR,
  TB_SYNC_STATE_CONFLICT,
} TbSyncState;

/**
 * TbCaseSort:
 *
 * The orders the inbox can be sorted in; each is backed by an index.
 */
typedef enum
{
  TB_CASE_SORT_DEADLINE,
  TB_CASE_SORT_RECEIVED,
  TB_CASE_SORT_REFERENCE,
} TbCaseSort;

TbRole      tb_role_from_string (const char *name);
const char *tb_role_to_string   (TbRole      role);

G_END_DECLS
