/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "wg-incident-board"

#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>

#include "wg-board-row.h"
#include "wg-board-rows.h"
#include "wg-console-util.h"
#include "wg-incident-board.h"

typedef enum {
  COL_CASE,
  COL_GRADE,
  COL_CATEGORY,
  COL_GRID,
  COL_STATE,
  COL_AGE,
  COL_LEFT,
  COL_ASSIGNEE,
  N_COLUMNS
} Column;

typedef struct {
  WgIncidentBoard *board;
  Column           column;
} ColumnData;

struct _WgIncidentBoard
{
  GtkWidget           parent_instance;

  WgContext          *context;
  WgIncidentModel    *model;

  GtkWidget          *box;
  GtkLabel           *count_label;
  GtkSearchEntry     *search_entry;
  GtkToggleButton    *chips[11];
  GtkDropDown        *area_dropdown;
  GtkDropDown        *department_dropdown;
  GtkColumnView      *column_view;
  GtkWidget          *scroller;
  GtkWidget          *empty_page;

  GtkCustomFilter    *filter;
  GtkCustomSorter    *sorter;
  GtkFilterListModel *filter_model;
  GtkSortListModel   *sort_model;
  GtkSingleSelection *selection;
  WgBoardRows        *rows;              /* what the column view holds */
  guint               grow_id;

  WgBoardFilter       filters;
  char               *area;
  char               *department;
  char               *search;
  GPtrArray          *area_codes;        /* char*, index 0 = all */
  GPtrArray          *department_codes;  /* char*, index 0 = all */

  GHashTable         *ticking;           /* GtkLabel* of the age and time-left cells */
  gboolean            syncing_selection;
  double              saved_scroll;
  GdkFrameClock      *restore_clock;   /* while a re-anchor waits for the next layout */
  gulong              restore_id;
  ColumnData          columns[N_COLUMNS];
};

G_DEFINE_FINAL_TYPE (WgIncidentBoard, wg_incident_board, GTK_TYPE_WIDGET)

static const WgBoardFilter chip_flags[] = {
  WG_BOARD_FILTER_EMERGENCY, WG_BOARD_FILTER_PROFESSIONAL, WG_BOARD_FILTER_GENERAL,
  WG_BOARD_FILTER_OPEN, WG_BOARD_FILTER_OVERDUE, WG_BOARD_FILTER_UNACKNOWLEDGED,
  WG_BOARD_FILTER_MINE, WG_BOARD_FILTER_REJECTION_PENDING, WG_BOARD_FILTER_AWAITING_CALL_BACK,
  WG_BOARD_FILTER_SUPERVISED, WG_BOARD_FILTER_REWORK,
};

G_STATIC_ASSERT (G_N_ELEMENTS (chip_flags) == G_N_ELEMENTS (((WgIncidentBoard *) NULL)->chips));

/* Verified or resolved, and closable only after a call-back that is not
 * there yet (an unsatisfied one sends the case back at once). */
static gboolean
awaits_call_back (const WgIncidentRecord *r)
{
  return r->call_back_required
         && (r->state == WG_STATE_VERIFIED || r->state == WG_STATE_RESOLVED)
         && r->call_back != WG_SATISFACTION_SATISFIED
         && r->call_back != WG_SATISFACTION_BASICALLY_SATISFIED;
}

/* Ordering */

static int
urgency_rank (WgIncidentItem *item)
{
  const WgIncidentRecord *r = wg_incident_item_get_record (item);

  if (!wg_incident_state_is_open (r->state))
    return 3;
  if (wg_incident_item_is_unacknowledged (item))
    return 0;
  if (r->grade == WG_GRADE_EMERGENCY)
    return 1;
  return 2;
}

int
wg_incident_board_compare (WgIncidentItem *a,
                           WgIncidentItem *b)
{
  const WgIncidentRecord *ra = wg_incident_item_get_record (a);
  const WgIncidentRecord *rb = wg_incident_item_get_record (b);
  int rank_a = urgency_rank (a), rank_b = urgency_rank (b);
  gint64 da, db;

  if (rank_a != rank_b)
    return rank_a < rank_b ? -1 : 1;

  if (rank_a == 3)
    {
      /* Closed: most recent first. */
      if (ra->updated_at != rb->updated_at)
        return ra->updated_at > rb->updated_at ? -1 : 1;
      return g_strcmp0 (ra->id, rb->id);
    }

  /* Time left on the current step: the earliest deadline first; none last. */
  da = ra->deadline > 0 ? ra->deadline : G_MAXINT64;
  db = rb->deadline > 0 ? rb->deadline : G_MAXINT64;
  if (da != db)
    return da < db ? -1 : 1;
  if (ra->reported_at != rb->reported_at)
    return ra->reported_at < rb->reported_at ? -1 : 1;
  return g_strcmp0 (ra->id, rb->id);
}

static int
sort_func (gconstpointer a,
           gconstpointer b,
           gpointer      user_data)
{
  return wg_incident_board_compare ((WgIncidentItem *) a, (WgIncidentItem *) b);
}

static int
compare_int64 (gint64 a,
               gint64 b)
{
  return a < b ? -1 : a > b ? 1 : 0;
}

static int
collate (const char *a,
         const char *b)
{
  return g_utf8_collate (a != NULL ? a : "", b != NULL ? b : "");
}

/* A click on a column header sorts by that column; ties, and the board
 * with no column sorted, keep the default order (sort_func, after the
 * column view's sorter in a multi-sorter). */
static int
column_sort_func (gconstpointer a,
                  gconstpointer b,
                  gpointer      user_data)
{
  ColumnData *data = user_data;
  WgContext *context = data->board->context;
  const WgIncidentRecord *ra = wg_incident_item_get_record ((WgIncidentItem *) a);
  const WgIncidentRecord *rb = wg_incident_item_get_record ((WgIncidentItem *) b);

  switch (data->column)
    {
    case COL_CASE:
      return g_strcmp0 (ra->case_number, rb->case_number);
    case COL_GRADE:
      /* Emergencies first when ascending. */
      return compare_int64 (rb->grade, ra->grade);
    case COL_CATEGORY:
      return collate (wg_context_category_label (context, ra->category),
                      wg_context_category_label (context, rb->category));
    case COL_GRID:
      return collate (ra->grid != NULL ? wg_context_grid_label (context, ra->grid) : NULL,
                      rb->grid != NULL ? wg_context_grid_label (context, rb->grid) : NULL);
    case COL_STATE:
      return compare_int64 (ra->state, rb->state);
    case COL_AGE:
      /* Youngest first when ascending. */
      return compare_int64 (rb->reported_at, ra->reported_at);
    case COL_LEFT:
      return compare_int64 (ra->deadline > 0 && wg_incident_state_is_open (ra->state) ? ra->deadline : G_MAXINT64,
                            rb->deadline > 0 && wg_incident_state_is_open (rb->state) ? rb->deadline : G_MAXINT64);
    case COL_ASSIGNEE:
      return collate (wg_incident_item_get_assignee ((WgIncidentItem *) a),
                      wg_incident_item_get_assignee ((WgIncidentItem *) b));
    case N_COLUMNS:
    default:
      g_assert_not_reached ();
    }
}

/* Filtering */

static gboolean
contains_casefold (const char *haystack,
                   const char *needle_folded)
{
  g_autofree char *folded = NULL;

  if (haystack == NULL)
    return FALSE;
  folded = g_utf8_casefold (haystack, -1);
  return strstr (folded, needle_folded) != NULL;
}

static gboolean
is_mine (WgIncidentBoard *self,
         WgIncidentItem  *item)
{
  const WgActor *actor = wg_context_get_actor (self->context);
  const WgIncidentRecord *r = wg_incident_item_get_record (item);

  if (actor == NULL)
    return FALSE;
  if (g_strcmp0 (r->reporter, actor->username) == 0)
    return TRUE;
  if (actor->department != NULL && g_strcmp0 (r->department, actor->department) == 0)
    return TRUE;
  if (actor->grid != NULL && g_strcmp0 (r->grid, actor->grid) == 0)
    return TRUE;
  /* A force: the incidents it is sent to (the model's view, no store). */
  if (actor->unit != NULL)
    return wg_incident_item_has_unit (item, actor->unit);
  return FALSE;
}

static gboolean
filter_func (gpointer object,
             gpointer user_data)
{
  WgIncidentBoard *self = user_data;
  WgIncidentItem *item = object;
  const WgIncidentRecord *r = wg_incident_item_get_record (item);
  WgBoardFilter grades = self->filters & (WG_BOARD_FILTER_EMERGENCY |
                                          WG_BOARD_FILTER_PROFESSIONAL |
                                          WG_BOARD_FILTER_GENERAL);

  if (grades != 0)
    {
      if (r->grade == WG_GRADE_EMERGENCY && !(grades & WG_BOARD_FILTER_EMERGENCY))
        return FALSE;
      if (r->grade == WG_GRADE_PROFESSIONAL && !(grades & WG_BOARD_FILTER_PROFESSIONAL))
        return FALSE;
      if (r->grade == WG_GRADE_GENERAL && !(grades & WG_BOARD_FILTER_GENERAL))
        return FALSE;
    }
  if ((self->filters & WG_BOARD_FILTER_OPEN) && !wg_incident_state_is_open (r->state))
    return FALSE;
  if ((self->filters & WG_BOARD_FILTER_OVERDUE) &&
      !wg_incident_item_is_overdue (item, wg_context_now_ms (self->context)))
    return FALSE;
  if ((self->filters & WG_BOARD_FILTER_UNACKNOWLEDGED) && !wg_incident_item_is_unacknowledged (item))
    return FALSE;
  if ((self->filters & WG_BOARD_FILTER_MINE) && !is_mine (self, item))
    return FALSE;
  if ((self->filters & WG_BOARD_FILTER_REJECTION_PENDING) && r->state != WG_STATE_REJECTION_PENDING)
    return FALSE;
  if ((self->filters & WG_BOARD_FILTER_AWAITING_CALL_BACK) && !awaits_call_back (r))
    return FALSE;
  if ((self->filters & WG_BOARD_FILTER_SUPERVISED) && r->supervision < 0)
    return FALSE;
  if ((self->filters & WG_BOARD_FILTER_REWORK)
      && (r->reworks == 0 || !wg_incident_state_is_open (r->state)))
    return FALSE;

  if (self->area != NULL)
    {
      WgReference *reference = wg_context_get_reference (self->context);
      WgGrid *grid = r->grid != NULL ? wg_reference_lookup_grid (reference, r->grid) : NULL;
      WgGrid *area = wg_reference_lookup_grid (reference, self->area);

      if (grid == NULL || area == NULL || !wg_grid_is_within (grid, area))
        return FALSE;
    }
  if (self->department != NULL && g_strcmp0 (r->department, self->department) != 0)
    return FALSE;

  if (self->search != NULL)
    {
      if (!contains_casefold (r->case_number, self->search) &&
          !contains_casefold (r->summary, self->search) &&
          !contains_casefold (wg_context_category_label (self->context, r->category), self->search) &&
          !contains_casefold (r->category, self->search) &&
          !contains_casefold (wg_context_grid_label (self->context, r->grid), self->search))
        return FALSE;
    }
  return TRUE;
}

static void
update_count (WgIncidentBoard *self)
{
  guint shown = g_list_model_get_n_items (G_LIST_MODEL (self->sort_model));
  guint total = g_list_model_get_n_items (G_LIST_MODEL (self->model));
  g_autofree char *text = NULL;

  if (shown == total)
    text = g_strdup_printf ("%u", total);
  else
    /* TRANSLATORS: incidents shown on the board, of all incidents */
    text = g_strdup_printf (_("%u of %u"), shown, total);
  gtk_label_set_label (self->count_label, text);
  gtk_widget_set_visible (self->empty_page, shown == 0);
  gtk_widget_set_visible (self->scroller, shown > 0);
}

static void
refilter (WgIncidentBoard *self)
{
  gtk_filter_changed (GTK_FILTER (self->filter), GTK_FILTER_CHANGE_DIFFERENT);
  update_count (self);
}

/* Cells */

/* The summary as the case and category cells' tooltip, asked for when the
 * pointer rests on one: setting a tooltip makes GTK query the pointer (an X
 * round trip), which binding the first rows before the first frame did
 * hundreds of times (the busy street's 300 incidents). */
static gboolean
query_tooltip_cb (GtkWidget  *label,
                  int         x,
                  int         y,
                  gboolean    keyboard,
                  GtkTooltip *tooltip)
{
  WgIncidentItem *item = g_object_get_data (G_OBJECT (label), "wg-item");
  const char *summary = item != NULL ? wg_incident_item_get_record (item)->summary : NULL;

  if (summary == NULL || *summary == '\0')
    return FALSE;
  gtk_tooltip_set_text (tooltip, summary);
  return TRUE;
}

static void
render_cell (WgIncidentBoard *self,
             GtkLabel        *label,
             WgIncidentItem  *item,
             Column           column)
{
  const WgIncidentRecord *r = wg_incident_item_get_record (item);
  gint64 now = wg_context_now_ms (self->context);
  g_autofree char *text = NULL;
  GtkWidget *widget = GTK_WIDGET (label);

  switch (column)
    {
    case COL_CASE:
      gtk_label_set_label (label, r->case_number ?: "");
      wg_widget_set_css_variant (widget, "grade-", wg_grade_css_class (r->grade));
      if (wg_incident_item_is_unacknowledged (item))
        gtk_widget_add_css_class (widget, "unacknowledged");
      else
        gtk_widget_remove_css_class (widget, "unacknowledged");
      break;
    case COL_GRADE:
      gtk_label_set_label (label, wg_grade_label (r->grade));
      wg_widget_set_css_variant (widget, "grade-", wg_grade_css_class (r->grade));
      break;
    case COL_CATEGORY:
      gtk_label_set_label (label, wg_context_category_label (self->context, r->category));
      break;
    case COL_GRID:
      gtk_label_set_label (label, wg_context_grid_label (self->context, r->grid));
      break;
    case COL_STATE:
      gtk_label_set_label (label, wg_incident_state_label (r->state));
      break;
    case COL_AGE:
      text = wg_format_duration (now - r->reported_at);
      gtk_label_set_label (label, text);
      break;
    case COL_LEFT:
      if (!wg_incident_state_is_open (r->state) || r->deadline <= 0)
        {
          gtk_label_set_label (label, "–");
          wg_widget_set_css_variant (widget, "time-", NULL);
        }
      else
        {
          gint64 left = r->deadline - now;
          gint64 span = MAX (r->deadline - r->updated_at, 1);
          const char *variant = "time-ok";

          if (left <= 0 || r->overdue)
            variant = "time-over";
          else if (left * 4 < span || left < 60 * 1000)
            variant = "time-short";
          text = wg_format_duration (left);
          gtk_label_set_label (label, text);
          wg_widget_set_css_variant (widget, "time-", variant);
        }
      break;
    case COL_ASSIGNEE:
      gtk_label_set_label (label, wg_incident_item_get_assignee (item) ?: "");
      break;
    case N_COLUMNS:
    default:
      g_assert_not_reached ();
    }
}

static void
item_notify_cb (GtkLabel *label)
{
  ColumnData *data = g_object_get_data (G_OBJECT (label), "wg-column");
  WgIncidentItem *item = g_object_get_data (G_OBJECT (label), "wg-item");

  if (data != NULL && item != NULL)
    render_cell (data->board, label, item, data->column);
}

static void
setup_cb (GtkSignalListItemFactory *factory,
          GtkListItem              *list_item,
          ColumnData               *data)
{
  GtkWidget *label = gtk_label_new (NULL);

  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
  gtk_label_set_single_line_mode (GTK_LABEL (label), TRUE);
  if (data->column == COL_GRADE)
    {
      gtk_widget_add_css_class (label, "badge");
      gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_NONE);
      gtk_widget_set_halign (label, GTK_ALIGN_START);
    }
  if (data->column == COL_AGE || data->column == COL_LEFT || data->column == COL_CASE)
    gtk_widget_add_css_class (label, "numeric");
  if (data->column == COL_CASE)
    gtk_widget_add_css_class (label, "case-number");
  if (data->column == COL_CASE || data->column == COL_CATEGORY)
    {
      gtk_widget_set_has_tooltip (label, TRUE);
      g_signal_connect (label, "query-tooltip", G_CALLBACK (query_tooltip_cb), NULL);
    }
  g_object_set_data (G_OBJECT (label), "wg-column", data);
  gtk_list_item_set_child (list_item, label);
}

/* The cell shows @item (NULL: nothing), and follows its changes. */
static void
show_item (GtkLabel       *label,
           WgIncidentItem *item)
{
  ColumnData *data = g_object_get_data (G_OBJECT (label), "wg-column");
  WgIncidentItem *shown = g_object_get_data (G_OBJECT (label), "wg-item");
  gulong id = GPOINTER_TO_SIZE (g_object_get_data (G_OBJECT (label), "wg-handler"));

  if (shown != NULL && id != 0)
    g_signal_handler_disconnect (shown, id);
  g_object_set_data (G_OBJECT (label), "wg-handler", NULL);
  /* Held: the row's place may have held the last reference. */
  g_object_set_data_full (G_OBJECT (label), "wg-item", item != NULL ? g_object_ref (item) : NULL,
                          g_object_unref);
  if (item == NULL)
    return;
  render_cell (data->board, label, item, data->column);
  id = g_signal_connect_object (item, "notify", G_CALLBACK (item_notify_cb), label, G_CONNECT_SWAPPED);
  g_object_set_data (G_OBJECT (label), "wg-handler", GSIZE_TO_POINTER (id));
}

/* The row's place now shows another incident (the board's order or
 * contents changed): the same cell shows it. */
static void
row_item_cb (WgBoardRow *row,
             GParamSpec *pspec,
             GtkLabel   *label)
{
  show_item (label, WG_INCIDENT_ITEM (wg_board_row_get_item (row)));
}

static void
bind_cb (GtkSignalListItemFactory *factory,
         GtkListItem              *list_item,
         ColumnData               *data)
{
  GtkLabel *label = GTK_LABEL (gtk_list_item_get_child (list_item));
  WgBoardRow *row = gtk_list_item_get_item (list_item);
  gulong id;

  show_item (label, WG_INCIDENT_ITEM (wg_board_row_get_item (row)));
  id = g_signal_connect_object (row, "notify::item", G_CALLBACK (row_item_cb), label, 0);
  g_object_set_data (G_OBJECT (label), "wg-row-handler", GSIZE_TO_POINTER (id));
  if (data->column == COL_AGE || data->column == COL_LEFT)
    g_hash_table_add (data->board->ticking, label);
}

static void
unbind_cb (GtkSignalListItemFactory *factory,
           GtkListItem              *list_item,
           ColumnData               *data)
{
  GtkLabel *label = GTK_LABEL (gtk_list_item_get_child (list_item));
  WgBoardRow *row = gtk_list_item_get_item (list_item);
  gulong id = GPOINTER_TO_SIZE (g_object_get_data (G_OBJECT (label), "wg-row-handler"));

  if (row != NULL && id != 0)
    g_signal_handler_disconnect (row, id);
  g_object_set_data (G_OBJECT (label), "wg-row-handler", NULL);
  show_item (label, NULL);
  g_hash_table_remove (data->board->ticking, label);
}

/* The view clock's second: the time columns follow it. */
static void
tick_cb (WgIncidentBoard *self)
{
  GHashTableIter iter;
  gpointer key;

  g_hash_table_iter_init (&iter, self->ticking);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    item_notify_cb (key);
  if (self->filters & WG_BOARD_FILTER_OVERDUE)
    refilter (self);
}

/* The case column's width for the live case numbers (HL-20261207-0001). */
#define CASE_COLUMN_WIDTH 162

static int
case_number_width (const char *text)
{
  GtkWidget *label = g_object_ref_sink (gtk_label_new (text));
  int natural = 0;

  gtk_widget_add_css_class (label, "numeric");
  gtk_widget_add_css_class (label, "case-number");
  gtk_widget_measure (label, GTK_ORIENTATION_HORIZONTAL, -1, NULL, &natural, NULL, NULL);
  g_object_unref (label);
  return natural;
}

/* The longest case numbers shown are longer than the live Helong ones the
 * column is sized for: an exercise's (EX-HL-20261207-0001) and a city's
 * (its streets' prefixes, TH03-20261207-0001).  The column grows by the
 * difference, measured in the cell's own font, so that none is clipped. */
static int
case_column_width (WgIncidentBoard *self)
{
  WgStore *store = wg_context_get_store (self->context);
  WgReference *reference = wg_context_get_reference (self->context);
  GPtrArray *streets = reference != NULL ? wg_reference_get_streets (reference) : NULL;
  const char *prefix = wg_rules_get_street_code (wg_store_get_rules (store));
  g_autofree char *widest = NULL;

  for (guint i = 0; streets != NULL && i < streets->len; i++)
    {
      const char *own = ((WgGrid *) g_ptr_array_index (streets, i))->case_prefix;

      if (own != NULL && strlen (own) > strlen (prefix))
        prefix = own;
    }
  widest = g_strconcat (wg_store_get_exercise (store) != NULL ? "EX-" : "", prefix, "-20261207-0000", NULL);
  return CASE_COLUMN_WIDTH + MAX (0, case_number_width (widest) - case_number_width ("HL-20261207-0000"));
}

static void
add_column (WgIncidentBoard *self,
            Column           column,
            const char      *title,
            int              fixed_width,
            gboolean         expand)
{
  g_autoptr(GtkListItemFactory) factory = gtk_signal_list_item_factory_new ();
  g_autoptr(GtkColumnViewColumn) col = NULL;
  g_autoptr(GtkCustomSorter) sorter = gtk_custom_sorter_new (column_sort_func, &self->columns[column], NULL);

  self->columns[column].board = self;
  self->columns[column].column = column;
  g_signal_connect (factory, "setup", G_CALLBACK (setup_cb), &self->columns[column]);
  g_signal_connect (factory, "bind", G_CALLBACK (bind_cb), &self->columns[column]);
  g_signal_connect (factory, "unbind", G_CALLBACK (unbind_cb), &self->columns[column]);

  col = gtk_column_view_column_new (title, g_object_ref (factory));
  gtk_column_view_column_set_resizable (col, TRUE);
  gtk_column_view_column_set_expand (col, expand);
  if (fixed_width > 0)
    gtk_column_view_column_set_fixed_width (col, fixed_width);
  gtk_column_view_column_set_sorter (col, GTK_SORTER (sorter));
  gtk_column_view_append_column (self->column_view, col);
}

/* The rows the column view holds: a screenful and more at first, more
 * as the view nears their end (wg-board-rows.h). */
#define FIRST_ROWS 48
#define MORE_ROWS 48

static gboolean
grow_rows_cb (gpointer user_data)
{
  WgIncidentBoard *self = user_data;
  GtkAdjustment *vadj = gtk_scrollable_get_vadjustment (GTK_SCROLLABLE (self->column_view));
  guint size = wg_board_rows_get_size (self->rows);
  double upper = gtk_adjustment_get_upper (vadj);

  self->grow_id = 0;
  /* Within a third of the rows of their end. */
  if (size < g_list_model_get_n_items (G_LIST_MODEL (self->selection))
      && gtk_adjustment_get_value (vadj) + gtk_adjustment_get_page_size (vadj) >= upper * 2 / 3)
    wg_board_rows_grow_to (self->rows, size + MORE_ROWS);
  return G_SOURCE_REMOVE;
}

/* Not while the view lays out: after it. */
static void
queue_grow_rows (WgIncidentBoard *self)
{
  if (self->grow_id == 0)
    self->grow_id = g_idle_add (grow_rows_cb, self);
}

/* Selection, both ways with the view-model */

/* The selected row is in the view wherever it is or moves to (a live
 * update re-sorts it). */
static void
selected_position_cb (WgIncidentBoard *self)
{
  guint position = gtk_single_selection_get_selected (self->selection);

  if (position != GTK_INVALID_LIST_POSITION)
    wg_board_rows_grow_to (self->rows, position + MORE_ROWS);
}

static void
selection_changed_cb (WgIncidentBoard *self)
{
  WgIncidentItem *item;

  if (self->syncing_selection)
    return;
  item = gtk_single_selection_get_selected_item (self->selection);
  if (item != NULL)
    wg_view_model_set_selected_incident (wg_context_get_view_model (self->context),
                                         wg_incident_item_get_id (item));
}

static void
view_model_selection_cb (WgIncidentBoard *self)
{
  const char *id = wg_view_model_get_selected_incident (wg_context_get_view_model (self->context));
  GListModel *rows = G_LIST_MODEL (self->selection);
  guint n = g_list_model_get_n_items (rows);
  WgIncidentItem *current = gtk_single_selection_get_selected_item (self->selection);

  if (current != NULL && g_strcmp0 (wg_incident_item_get_id (current), id) == 0)
    return;

  self->syncing_selection = TRUE;
  gtk_single_selection_set_selected (self->selection, GTK_INVALID_LIST_POSITION);
  for (guint i = 0; id != NULL && i < n; i++)
    {
      g_autoptr(WgIncidentItem) item = g_list_model_get_item (rows, i);

      if (g_strcmp0 (wg_incident_item_get_id (item), id) == 0)
        {
          gtk_single_selection_set_selected (self->selection, i);
          break;
        }
    }
  self->syncing_selection = FALSE;
}

/* Chips and search */

static void
chip_toggled_cb (WgIncidentBoard *self,
                 GtkToggleButton *chip)
{
  WgBoardFilter filters = 0;

  for (guint i = 0; i < G_N_ELEMENTS (chip_flags); i++)
    if (gtk_toggle_button_get_active (self->chips[i]))
      filters |= chip_flags[i];
  if (filters != self->filters)
    {
      self->filters = filters;
      refilter (self);
    }
}

static void
search_changed_cb (WgIncidentBoard *self)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->search_entry));
  g_autofree char *stripped = g_strstrip (g_strdup (text));

  g_clear_pointer (&self->search, g_free);
  if (*stripped != '\0')
    self->search = g_utf8_casefold (stripped, -1);
  refilter (self);
}

static void
area_selected_cb (WgIncidentBoard *self)
{
  guint i = gtk_drop_down_get_selected (self->area_dropdown);

  g_clear_pointer (&self->area, g_free);
  if (i != GTK_INVALID_LIST_POSITION && i > 0 && i < self->area_codes->len)
    self->area = g_strdup (self->area_codes->pdata[i]);
  refilter (self);
}

static void
department_selected_cb (WgIncidentBoard *self)
{
  guint i = gtk_drop_down_get_selected (self->department_dropdown);

  g_clear_pointer (&self->department, g_free);
  if (i != GTK_INVALID_LIST_POSITION && i > 0 && i < self->department_codes->len)
    self->department = g_strdup (self->department_codes->pdata[i]);
  refilter (self);
}

static GtkWidget *
new_chip (const char *label,
          const char *tooltip)
{
  GtkWidget *chip = gtk_toggle_button_new_with_label (label);

  gtk_widget_add_css_class (chip, "chip");
  gtk_widget_set_tooltip_text (chip, tooltip);
  gtk_widget_set_focus_on_click (chip, FALSE);
  return chip;
}

static void
build_dropdowns (WgIncidentBoard *self,
                 GtkWidget       *flow)
{
  WgReference *reference = wg_context_get_reference (self->context);
  g_autoptr(GtkStringList) areas = gtk_string_list_new (NULL);
  g_autoptr(GtkStringList) departments = gtk_string_list_new (NULL);
  GPtrArray *stations = wg_reference_get_stations (reference);
  GPtrArray *depts = wg_reference_get_departments (reference);
  gboolean zh = wg_context_prefers_chinese ();

  gtk_string_list_append (areas, _("All areas"));
  g_ptr_array_add (self->area_codes, NULL);
  for (guint i = 0; i < stations->len; i++)
    {
      WgStation *station = stations->pdata[i];

      if (station->grid == NULL)
        continue;
      gtk_string_list_append (areas, zh || station->name_en == NULL ? station->name_zh
                                                                    : station->name_en);
      g_ptr_array_add (self->area_codes, g_strdup (station->grid->code));
    }
  gtk_string_list_append (departments, _("All departments"));
  g_ptr_array_add (self->department_codes, NULL);
  for (guint i = 0; i < depts->len; i++)
    {
      WgDepartment *d = depts->pdata[i];

      gtk_string_list_append (departments, zh ? d->name_zh : d->name_en);
      g_ptr_array_add (self->department_codes, g_strdup (d->code));
    }

  self->area_dropdown = GTK_DROP_DOWN (gtk_drop_down_new (G_LIST_MODEL (g_steal_pointer (&areas)), NULL));
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->area_dropdown), _("Work-station area"));
  gtk_widget_add_css_class (GTK_WIDGET (self->area_dropdown), "chip-dropdown");
  g_signal_connect_object (self->area_dropdown, "notify::selected",
                           G_CALLBACK (area_selected_cb), self, G_CONNECT_SWAPPED);
  gtk_flow_box_append (GTK_FLOW_BOX (flow), GTK_WIDGET (self->area_dropdown));

  self->department_dropdown =
    GTK_DROP_DOWN (gtk_drop_down_new (G_LIST_MODEL (g_steal_pointer (&departments)), NULL));
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->department_dropdown), _("Department"));
  gtk_widget_add_css_class (GTK_WIDGET (self->department_dropdown), "chip-dropdown");
  g_signal_connect_object (self->department_dropdown, "notify::selected",
                           G_CALLBACK (department_selected_cb), self, G_CONNECT_SWAPPED);
  gtk_flow_box_append (GTK_FLOW_BOX (flow), GTK_WIDGET (self->department_dropdown));
}

static void
rows_changed_cb (WgIncidentBoard *self)
{
  update_count (self);
}

/* A live update re-sorts rows: GtkSortListModel announces the whole range
 * between a row's old and new place, and the view re-anchors on it.  The
 * person at the board keeps looking where they were. */
static GtkAdjustment *
get_vadjustment (WgIncidentBoard *self)
{
  return self->column_view != NULL
         ? gtk_scrollable_get_vadjustment (GTK_SCROLLABLE (self->column_view)) : NULL;
}

static void
model_changing_cb (WgIncidentBoard *self)
{
  GtkAdjustment *vadj = get_vadjustment (self);

  if (vadj != NULL && self->restore_clock == NULL)
    {
      self->saved_scroll = gtk_adjustment_get_value (vadj);
    }
}

static void
reanchor (GtkAdjustment *vadj,
          double         value)
{
  /* Nothing to keep at the top (the top stays the top) or when every row
   * fits: the view would only warn that it cannot scroll there. */
  double bottom = gtk_adjustment_get_upper (vadj) - gtk_adjustment_get_page_size (vadj);

  if (value < 1 || bottom < 1)
    return;
  /* Fewer rows than before: the view cannot scroll past its new end. */
  value = MIN (value, bottom);

  /* The adjustment may still hold @value while the view has re-anchored
   * on a moved row: a real change makes it anchor on what is at @value. */
  gtk_adjustment_set_value (vadj, value + 1);
  gtk_adjustment_set_value (vadj, value);
}

static void
cancel_restore (WgIncidentBoard *self)
{
  /* A window's destruction drops its frame clock's handlers first. */
  if (self->restore_clock != NULL && g_signal_handler_is_connected (self->restore_clock, self->restore_id))
    g_signal_handler_disconnect (self->restore_clock, self->restore_id);
  self->restore_id = 0;
  g_clear_object (&self->restore_clock);
}

static void
restore_scroll_cb (GdkFrameClock   *clock,
                   WgIncidentBoard *self)
{
  GtkAdjustment *vadj = get_vadjustment (self);

  cancel_restore (self);
  /* An unmapped view (a window going away) keeps the adjustment of rows it
   * no longer has. */
  if (vadj != NULL && gtk_widget_get_mapped (GTK_WIDGET (self->column_view))
      && g_list_model_get_n_items (G_LIST_MODEL (self->rows)) > 0)
    reanchor (vadj, self->saved_scroll);
}

static void
model_changed_cb (WgIncidentBoard *self)
{
  GtkAdjustment *vadj = get_vadjustment (self);
  GdkFrameClock *clock;

  if (vadj == NULL)
    return;
  /* Only once the view has laid out the new rows does the adjustment
   * measure them: before, GTK cannot find the rows it would scroll to and
   * warns (a replay's seek replaces every row; a sort moves them).  The
   * window's own layout handler runs first; setting the value there makes
   * the frame clock lay out again before painting, so nothing is drawn at
   * the wrong place. */
  clock = gtk_widget_get_frame_clock (GTK_WIDGET (self->column_view));
  if (clock != NULL && self->restore_clock == NULL)
    {
      self->restore_clock = g_object_ref (clock);
      self->restore_id = g_signal_connect (clock, "layout", G_CALLBACK (restore_scroll_cb), self);
      gtk_widget_queue_allocate (GTK_WIDGET (self->column_view));
    }
}

/* GObject */

static void
wg_incident_board_dispose (GObject *object)
{
  WgIncidentBoard *self = WG_INCIDENT_BOARD (object);

  cancel_restore (self);
  g_clear_handle_id (&self->grow_id, g_source_remove);
  if (self->context != NULL)
    g_signal_handlers_disconnect_by_data (wg_context_get_view_model (self->context), self);
  g_clear_pointer (&self->box, gtk_widget_unparent);
  g_clear_object (&self->rows);
  g_clear_object (&self->selection);
  g_clear_object (&self->context);
  g_clear_object (&self->model);

  G_OBJECT_CLASS (wg_incident_board_parent_class)->dispose (object);
}

static void
wg_incident_board_finalize (GObject *object)
{
  WgIncidentBoard *self = WG_INCIDENT_BOARD (object);

  g_clear_pointer (&self->area, g_free);
  g_clear_pointer (&self->department, g_free);
  g_clear_pointer (&self->search, g_free);
  g_clear_pointer (&self->area_codes, g_ptr_array_unref);
  g_clear_pointer (&self->department_codes, g_ptr_array_unref);
  g_clear_pointer (&self->ticking, g_hash_table_unref);

  G_OBJECT_CLASS (wg_incident_board_parent_class)->finalize (object);
}

static void
wg_incident_board_class_init (WgIncidentBoardClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = wg_incident_board_dispose;
  object_class->finalize = wg_incident_board_finalize;

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "incident-board");
}

static void
wg_incident_board_init (WgIncidentBoard *self)
{
  self->ticking = g_hash_table_new (NULL, NULL);
  self->area_codes = g_ptr_array_new_with_free_func (g_free);
  self->department_codes = g_ptr_array_new_with_free_func (g_free);
  self->filters = WG_BOARD_FILTER_OPEN;
}

GtkWidget *
wg_incident_board_new (WgContext       *context,
                       WgIncidentModel *model)
{
  static const struct { const char *label; const char *tooltip; } chip_text[] = {
    { NULL, N_("Emergency incidents") },
    { NULL, N_("Professional incidents") },
    { NULL, N_("General incidents") },
    { N_("Open"), N_("Only incidents still open") },
    { N_("Overdue"), N_("Past the current step's deadline") },
    { N_("Unacknowledged"), N_("Emergencies whose alarm nobody has acknowledged") },
    { N_("Mine"), N_("Reported by me, or in my grid, department or unit") },
    { N_("Rejection pending"), N_("Departments asked to give these back: the centre reviews them") },
    { N_("Awaiting call-back"), N_("Verified, but the resident has not been called back yet") },
    { N_("Supervised"), N_("A supervision notice waits for the department's answer") },
    { N_("Reworked"), N_("Sent back to the department after an unsatisfied call-back") },
  };
  WgIncidentBoard *self;
  GtkWidget *header, *title, *flow, *placeholder;

  g_return_val_if_fail (WG_IS_CONTEXT (context), NULL);
  g_return_val_if_fail (WG_IS_INCIDENT_MODEL (model), NULL);

  self = g_object_new (WG_TYPE_INCIDENT_BOARD, NULL);
  self->context = g_object_ref (context);
  self->model = g_object_ref (model);

  self->box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  gtk_widget_set_parent (self->box, GTK_WIDGET (self));

  header = gtk_box_new (GTK_ORIENTATION_VERTICAL, 8);
  gtk_widget_add_css_class (header, "side-pane-header");
  gtk_box_append (GTK_BOX (self->box), header);

  title = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 8);
  gtk_box_append (GTK_BOX (header), title);
  {
    GtkWidget *label = gtk_label_new (_("Incidents"));

    gtk_widget_add_css_class (label, "title-3");
    gtk_label_set_xalign (GTK_LABEL (label), 0);
    gtk_box_append (GTK_BOX (title), label);
    self->count_label = GTK_LABEL (gtk_label_new (NULL));
    gtk_widget_add_css_class (GTK_WIDGET (self->count_label), "dim-label");
    gtk_widget_add_css_class (GTK_WIDGET (self->count_label), "numeric");
    gtk_widget_set_hexpand (GTK_WIDGET (self->count_label), TRUE);
    gtk_label_set_xalign (self->count_label, 0);
    gtk_box_append (GTK_BOX (title), GTK_WIDGET (self->count_label));
  }

  self->search_entry = GTK_SEARCH_ENTRY (gtk_search_entry_new ());
  g_object_set (self->search_entry, "placeholder-text", _("Search text or case number"), NULL);
  g_signal_connect_object (self->search_entry, "search-changed",
                           G_CALLBACK (search_changed_cb), self, G_CONNECT_SWAPPED);
  gtk_box_append (GTK_BOX (header), GTK_WIDGET (self->search_entry));

  flow = gtk_flow_box_new ();
  gtk_flow_box_set_selection_mode (GTK_FLOW_BOX (flow), GTK_SELECTION_NONE);
  gtk_flow_box_set_homogeneous (GTK_FLOW_BOX (flow), FALSE);
  gtk_flow_box_set_max_children_per_line (GTK_FLOW_BOX (flow), 12);
  gtk_flow_box_set_row_spacing (GTK_FLOW_BOX (flow), 4);
  gtk_flow_box_set_column_spacing (GTK_FLOW_BOX (flow), 4);
  gtk_widget_add_css_class (flow, "chips");
  gtk_box_append (GTK_BOX (header), flow);
  for (guint i = 0; i < G_N_ELEMENTS (chip_text); i++)
    {
      /* The grades read as the grade badges do. */
      const char *label = i == 0 ? wg_grade_label (WG_GRADE_EMERGENCY)
                          : i == 1 ? wg_grade_label (WG_GRADE_PROFESSIONAL)
                          : i == 2 ? wg_grade_label (WG_GRADE_GENERAL)
                          : _(chip_text[i].label);
      GtkWidget *chip = new_chip (label, _(chip_text[i].tooltip));

      self->chips[i] = GTK_TOGGLE_BUTTON (chip);
      gtk_toggle_button_set_active (self->chips[i], (self->filters & chip_flags[i]) != 0);
      g_signal_connect_object (chip, "toggled", G_CALLBACK (chip_toggled_cb), self,
                               G_CONNECT_SWAPPED);
      gtk_flow_box_append (GTK_FLOW_BOX (flow), chip);
    }
  build_dropdowns (self, flow);

  gtk_box_append (GTK_BOX (self->box), gtk_separator_new (GTK_ORIENTATION_HORIZONTAL));

  /* Before the pipeline sees the change, and after. */
  g_signal_connect_object (model, "items-changed", G_CALLBACK (model_changing_cb), self,
                           G_CONNECT_SWAPPED);

  /* model -> filter -> sort -> selection */
  self->filter = gtk_custom_filter_new (filter_func, self, NULL);
  self->sorter = gtk_custom_sorter_new (sort_func, NULL, NULL);
  self->filter_model = gtk_filter_list_model_new (G_LIST_MODEL (g_object_ref (model)),
                                                  GTK_FILTER (self->filter));
  self->sort_model = gtk_sort_list_model_new (G_LIST_MODEL (self->filter_model),
                                              GTK_SORTER (self->sorter));
  self->selection = gtk_single_selection_new (G_LIST_MODEL (self->sort_model));
  gtk_single_selection_set_autoselect (self->selection, FALSE);
  gtk_single_selection_set_can_unselect (self->selection, TRUE);
  self->rows = wg_board_rows_new (GTK_SELECTION_MODEL (self->selection), FIRST_ROWS);
  g_signal_connect_object (self->selection, "notify::selected",
                           G_CALLBACK (selected_position_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->selection, "notify::selected-item",
                           G_CALLBACK (selection_changed_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->selection, "items-changed",
                           G_CALLBACK (rows_changed_cb), self, G_CONNECT_SWAPPED);

  self->column_view = GTK_COLUMN_VIEW (gtk_column_view_new (GTK_SELECTION_MODEL (g_object_ref (self->rows))));
  gtk_column_view_set_show_column_separators (self->column_view, FALSE);
  gtk_column_view_set_show_row_separators (self->column_view, TRUE);
  gtk_widget_add_css_class (GTK_WIDGET (self->column_view), "incident-table");
  add_column (self, COL_CASE, _("Case"), case_column_width (self), FALSE);
  add_column (self, COL_GRADE, _("Grade"), 100, FALSE);
  add_column (self, COL_CATEGORY, _("Category"), 100, FALSE);
  add_column (self, COL_GRID, _("Grid"), 120, FALSE);
  add_column (self, COL_STATE, _("State"), 84, FALSE);
  add_column (self, COL_AGE, _("Age"), 60, FALSE);
  add_column (self, COL_LEFT, _("Left"), 72, FALSE);
  add_column (self, COL_ASSIGNEE, _("Assignee"), -1, TRUE);
  {
    /* The clicked column first, then the board's own order. */
    GtkMultiSorter *sorter = gtk_multi_sorter_new ();

    gtk_multi_sorter_append (sorter, g_object_ref (gtk_column_view_get_sorter (self->column_view)));
    gtk_multi_sorter_append (sorter, g_object_ref (GTK_SORTER (self->sorter)));
    gtk_sort_list_model_set_sorter (self->sort_model, GTK_SORTER (sorter));
    g_object_unref (sorter);
  }

  self->scroller = gtk_scrolled_window_new ();
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (self->scroller), GTK_POLICY_AUTOMATIC,
                                  GTK_POLICY_AUTOMATIC);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (self->scroller), GTK_WIDGET (self->column_view));
  g_signal_connect_object (get_vadjustment (self), "changed", G_CALLBACK (queue_grow_rows), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (get_vadjustment (self), "value-changed", G_CALLBACK (queue_grow_rows), self,
                           G_CONNECT_SWAPPED);
  gtk_widget_set_vexpand (self->scroller, TRUE);
  gtk_box_append (GTK_BOX (self->box), self->scroller);

  placeholder = adw_status_page_new ();
  adw_status_page_set_icon_name (ADW_STATUS_PAGE (placeholder), "io.github.wangge.Console-symbolic");
  adw_status_page_set_title (ADW_STATUS_PAGE (placeholder), _("No Incidents"));
  adw_status_page_set_description (ADW_STATUS_PAGE (placeholder),
                                   _("Nothing matches the filters, or nothing has been reported yet."));
  gtk_widget_add_css_class (placeholder, "compact");
  gtk_widget_set_vexpand (placeholder, TRUE);
  self->empty_page = placeholder;
  gtk_box_append (GTK_BOX (self->box), placeholder);

  g_signal_connect_object (model, "items-changed", G_CALLBACK (model_changed_cb), self,
                           G_CONNECT_SWAPPED | G_CONNECT_AFTER);
  g_signal_connect_object (wg_context_get_view_model (context), "notify::selected-incident",
                           G_CALLBACK (view_model_selection_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (wg_context_get_clock (context), "tick", G_CALLBACK (tick_cb), self,
                           G_CONNECT_SWAPPED);
  update_count (self);

  return GTK_WIDGET (self);
}

GtkColumnView *
wg_incident_board_get_column_view (WgIncidentBoard *self)
{
  g_return_val_if_fail (WG_IS_INCIDENT_BOARD (self), NULL);
  return self->column_view;
}

GtkSingleSelection *
wg_incident_board_get_selection (WgIncidentBoard *self)
{
  g_return_val_if_fail (WG_IS_INCIDENT_BOARD (self), NULL);
  return self->selection;
}

GListModel *
wg_incident_board_get_rows (WgIncidentBoard *self)
{
  g_return_val_if_fail (WG_IS_INCIDENT_BOARD (self), NULL);
  return G_LIST_MODEL (self->sort_model);
}

WgBoardFilter
wg_incident_board_get_filters (WgIncidentBoard *self)
{
  g_return_val_if_fail (WG_IS_INCIDENT_BOARD (self), 0);
  return self->filters;
}

void
wg_incident_board_set_filters (WgIncidentBoard *self,
                               WgBoardFilter    filters)
{
  g_return_if_fail (WG_IS_INCIDENT_BOARD (self));

  /* Through the chips, so that what is shown is what filters. */
  for (guint i = 0; i < G_N_ELEMENTS (chip_flags); i++)
    gtk_toggle_button_set_active (self->chips[i], (filters & chip_flags[i]) != 0);
}

void
wg_incident_board_set_area (WgIncidentBoard *self,
                            const char      *station_grid)
{
  g_return_if_fail (WG_IS_INCIDENT_BOARD (self));

  for (guint i = 0; i < self->area_codes->len; i++)
    if (g_strcmp0 (self->area_codes->pdata[i], station_grid) == 0)
      {
        gtk_drop_down_set_selected (self->area_dropdown, i);
        return;
      }
  gtk_drop_down_set_selected (self->area_dropdown, 0);
}

void
wg_incident_board_set_department (WgIncidentBoard *self,
                                  const char      *department)
{
  g_return_if_fail (WG_IS_INCIDENT_BOARD (self));

  for (guint i = 0; i < self->department_codes->len; i++)
    if (g_strcmp0 (self->department_codes->pdata[i], department) == 0)
      {
        gtk_drop_down_set_selected (self->department_dropdown, i);
        return;
      }
  gtk_drop_down_set_selected (self->department_dropdown, 0);
}

void
wg_incident_board_set_search (WgIncidentBoard *self,
                              const char      *text)
{
  g_return_if_fail (WG_IS_INCIDENT_BOARD (self));

  gtk_editable_set_text (GTK_EDITABLE (self->search_entry), text ?: "");
  /* Apply now rather than after the entry's delay. */
  search_changed_cb (self);
}

void
wg_incident_board_focus_search (WgIncidentBoard *self)
{
  g_return_if_fail (WG_IS_INCIDENT_BOARD (self));
  gtk_widget_grab_focus (GTK_WIDGET (self->search_entry));
}
