/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "wg-error.h"
#include "wg-pg-text.h"

static void
append_separator (GString *array)
{
  if (array->len > 1)
    g_string_append_c (array, ',');
}

void
wg_pg_array_append_text (GString    *array,
                         const char *text)
{
  append_separator (array);
  if (text == NULL)
    {
      g_string_append (array, "NULL");
      return;
    }
  g_string_append_c (array, '"');
  for (const char *p = text; *p; p++)
    {
      if (*p == '"' || *p == '\\')
        g_string_append_c (array, '\\');
      g_string_append_c (array, *p);
    }
  g_string_append_c (array, '"');
}

void
wg_pg_array_append_plain (GString    *array,
                          const char *value)
{
  append_separator (array);
  g_string_append (array, value);
}

gboolean
wg_pg_set_error (GError     **error,
                 const char  *what,
                 const char  *message)
{
  g_autofree char *text = g_strchomp (g_strdup (message));

  g_set_error (error, WG_ERROR, WG_ERROR_STORE, "PostgreSQL, %s: %s", what, text);
  return FALSE;
}
