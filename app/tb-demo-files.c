/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tb-demo-files.c: the documents of the demo cases, made the same on every machine */

#include "config.h"

#include <gio/gio.h>
#include <math.h>
#include <string.h>

#include "tb-demo-files-private.h"

/*
 * The demo's application materials are real files, so that opening one in the demo shows
 * something: a one-page PDF written by hand (text in the standard Chinese font every PDF
 * reader substitutes, nothing embedded) or a PNG that looks like a scanned page. Both depend
 * only on the material's name and a variant number: the same bytes, and so the same SHA-256,
 * on the desk and on the server, run after run. They are a few kilobytes each.
 */

/* ------------------------------------------------------------------------------------------ */
/* PDF                                                                                         */

#define PAGE_WIDTH   595   /* A4, in points */
#define PAGE_HEIGHT  842
#define MARGIN       72

static const char * const numerals[] = { "一", "二", "三", "四", "五", "六", "七", "八" };

static const char * const sentences[] = {
  "申请人对所提交材料的真实性、合法性和有效性负责。",
  "材料份数：原件一份，复印件一份。",
  "复印件应当清晰、完整，并由申请人签字或者盖章确认。",
  "经办人已核验原件，复印件与原件一致。",
  "材料内容发生变化的，申请人应当及时告知受理机关。",
  "如需补正材料，受理机关将一次性告知需要补正的全部内容。",
  "本材料仅用于本次申请事项，不作他用。",
  "以上内容如有不实，申请人愿意承担相应的法律责任。",
};

/* @text as a PDF hex string of UCS-2 big-endian code units, for the UniGB-UCS2-H encoding
 * (or, with @bom, a text string of UTF-16BE, for the document's title). */
static void
append_ucs2 (GString    *out,
             const char *text,
             gboolean    bom)
{
  g_string_append_c (out, '<');
  if (bom)
    g_string_append (out, "FEFF");
  for (const char *p = text; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      /* Everything the demo writes is in the Basic Multilingual Plane. */
      g_string_append_printf (out, "%04X", c <= 0xFFFF ? c : 0xFFFD);
    }
  g_string_append_c (out, '>');
}

static void
text_line (GString    *content,
           double      size,
           int         x,
           int         y,
           const char *text)
{
  g_string_append_printf (content, "BT /F1 %.1f Tf %d %d Td ", size, x, y);
  append_ucs2 (content, text, FALSE);
  g_string_append (content, " Tj ET\n");
}

/*
 * A one-page PDF: @title as its heading, a few sentences any material could hold, and a box
 * for the applicant's seal.
 *
 * Returns: (transfer full): the file's bytes
 */
GBytes *
_tb_demo_files_make_pdf (const char *title,
                         guint       variant)
{
  g_autoptr(GString) content = g_string_new (NULL);
  g_autoptr(GString) pdf = g_string_new (NULL);
  g_autofree char *subtitle = NULL;
  char *objects[9] = { NULL };
  gsize offsets[G_N_ELEMENTS (objects)];
  gsize xref;
  glong n_chars;
  double size;
  int y;

  g_return_val_if_fail (title != NULL, NULL);

  /* The heading fits the line: a Chinese character is one em wide. */
  n_chars = MAX (g_utf8_strlen (title, -1), 1);
  size = MIN (18.0, (double) (PAGE_WIDTH - 2 * MARGIN) / n_chars);
  size = floor (size * 10) / 10;
  text_line (content, size, MARGIN, 770, title);
  g_string_append_printf (content, "0.6 w %d 758 m %d 758 l S\n", MARGIN, PAGE_WIDTH - MARGIN);

  /* Chinese numerals and spaces: the font's Latin glyphs are not in every substitute. */
  subtitle = g_strdup_printf ("演示样本第%s份。本材料由通办演示数据生成，内容均为虚构。",
                              numerals[variant % G_N_ELEMENTS (numerals)]);
  text_line (content, 10, MARGIN, 740, subtitle);

  y = 700;
  for (guint i = 0; i < 5; i++, y -= 22)
    text_line (content, 11, MARGIN, y, sentences[(variant * 3 + i) % G_N_ELEMENTS (sentences)]);

  /* The seal and the date, bottom right. */
  g_string_append_printf (content, "0.5 w %d 120 170 90 re S\n", PAGE_WIDTH - MARGIN - 170);
  text_line (content, 10, PAGE_WIDTH - MARGIN - 160, 190, "申请人（签字或盖章）：");
  text_line (content, 10, PAGE_WIDTH - MARGIN - 110, 132, "年　　月　　日");
  g_string_append_printf (content, "BT /F2 8 Tf %d 60 Td (Tongban demo document, sample %u)"
                                   " Tj ET\n", MARGIN, variant + 1);

  objects[0] = g_strdup ("<< /Type /Catalog /Pages 2 0 R >>");
  objects[1] = g_strdup ("<< /Type /Pages /Kids [3 0 R] /Count 1 >>");
  objects[2] = g_strdup_printf ("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %d %d]"
                                " /Resources << /Font << /F1 5 0 R /F2 8 0 R >> >>"
                                " /Contents 4 0 R >>", PAGE_WIDTH, PAGE_HEIGHT);
  objects[3] = g_strdup_printf ("<< /Length %" G_GSIZE_FORMAT " >>\nstream\n%sendstream",
                                content->len, content->str);
  objects[4] = g_strdup ("<< /Type /Font /Subtype /Type0 /BaseFont /STSong-Light"
                         " /Encoding /UniGB-UCS2-H /DescendantFonts [6 0 R] >>");
  objects[5] = g_strdup ("<< /Type /Font /Subtype /CIDFontType0 /BaseFont /STSong-Light"
                         " /CIDSystemInfo << /Registry (Adobe) /Ordering (GB1) /Supplement 4 >>"
                         " /FontDescriptor 7 0 R /DW 1000 >>");
  objects[6] = g_strdup ("<< /Type /FontDescriptor /FontName /STSong-Light /Flags 6"
                         " /FontBBox [-25 -254 1000 880] /ItalicAngle 0 /Ascent 880"
                         " /Descent -120 /CapHeight 880 /StemV 93 >>");
  objects[7] = g_strdup ("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>");
  {
    g_autoptr(GString) info = g_string_new ("<< /Title ");

    append_ucs2 (info, title, TRUE);
    g_string_append (info, " /Producer (Tongban demo) >>");
    objects[8] = g_string_free (g_steal_pointer (&info), FALSE);
  }

  /* A binary comment after the header tells transfer programs the file is not text. */
  g_string_append (pdf, "%PDF-1.4\n%\xe2\xe3\xcf\xd3\n");
  for (guint i = 0; i < G_N_ELEMENTS (objects); i++)
    {
      offsets[i] = pdf->len;
      g_string_append_printf (pdf, "%u 0 obj\n%s\nendobj\n", i + 1, objects[i]);
    }
  xref = pdf->len;
  g_string_append_printf (pdf, "xref\n0 %u\n0000000000 65535 f \n",
                          (guint) G_N_ELEMENTS (objects) + 1);
  for (guint i = 0; i < G_N_ELEMENTS (objects); i++)
    g_string_append_printf (pdf, "%010" G_GSIZE_FORMAT " 00000 n \n", offsets[i]);
  g_string_append_printf (pdf, "trailer\n<< /Size %u /Root 1 0 R /Info 9 0 R >>\n"
                               "startxref\n%" G_GSIZE_FORMAT "\n%%%%EOF\n",
                          (guint) G_N_ELEMENTS (objects) + 1, xref);

  for (guint i = 0; i < G_N_ELEMENTS (objects); i++)
    g_free (objects[i]);
  return g_string_free_to_bytes (g_steal_pointer (&pdf));
}

/* ------------------------------------------------------------------------------------------ */
/* A scanned page, as PNG                                                                      */

#define SCAN_WIDTH   420   /* A4 at 36 dots per inch */
#define SCAN_HEIGHT  594

/* The inks of a scan, as palette entries: a page holds few colours, so a pixel is one byte
 * (a third of RGB's to draw and to compress). */
enum {
  PAPER,
  SHADOW,
  TONER,
  RED,            /* four shades of the seal's ink */
  RED_ON_TONER = RED + 4,
  N_INKS = RED_ON_TONER + 4
};

static const guint8 palette[N_INKS][3] = {
  [PAPER] = { 247, 245, 236 },
  [SHADOW] = { 196, 194, 186 },
  [TONER] = { 70, 70, 76 },
  [RED] = { 224, 118, 118 }, { 217, 96, 98 }, { 210, 76, 80 }, { 204, 58, 64 },
  [RED_ON_TONER] = { 150, 40, 48 }, { 140, 36, 44 }, { 130, 32, 40 }, { 120, 30, 36 },
};

typedef struct
{
  guint8 *pixels;   /* palette indices */
  guint64 state;
} Canvas;

static guint
canvas_random (Canvas *c,
               guint   n)
{
  guint64 z = (c->state += G_GUINT64_CONSTANT (0x9E3779B97F4A7C15));

  z = (z ^ (z >> 30)) * G_GUINT64_CONSTANT (0xBF58476D1CE4E5B9);
  z = (z ^ (z >> 27)) * G_GUINT64_CONSTANT (0x94D049BB133111EB);
  z ^= z >> 31;
  return n > 0 ? (guint) ((z >> 11) % n) : 0;
}

/* Lays @ink on the page; the seal's red over toner comes out darker, as on paper. */
static void
ink (Canvas *c,
     int     x,
     int     y,
     guint8  ink)
{
  guint8 *p;

  if (x < 0 || y < 0 || x >= SCAN_WIDTH || y >= SCAN_HEIGHT)
    return;
  p = c->pixels + (gsize) y * SCAN_WIDTH + x;
  if (ink >= RED && ink < RED_ON_TONER && (*p == TONER || *p >= RED_ON_TONER))
    ink += RED_ON_TONER - RED;
  *p = ink;
}

static void
fill (Canvas *c,
      int     x,
      int     y,
      int     width,
      int     height,
      guint8  colour)
{
  for (int j = y; j < y + height; j++)
    for (int i = x; i < x + width; i++)
      ink (c, i, j, colour);
}

/* One character at this resolution: a few strokes in a @size square. */
static void
glyph (Canvas *c,
       int     x,
       int     y,
       int     size,
       int     weight)
{
  guint strokes = 3 + canvas_random (c, 3);

  for (guint s = 0; s < strokes; s++)
    {
      int at = canvas_random (c, size - weight + 1);
      int from = canvas_random (c, size / 2);
      int to = size / 2 + canvas_random (c, size / 2 + 1);

      if (canvas_random (c, 2) == 0)
        fill (c, x + from, y + at, to - from, weight, TONER);
      else
        fill (c, x + at, y + from, weight, to - from, TONER);
    }
}

static void
stamp (Canvas *c,
       int     cx,
       int     cy,
       int     radius)
{
  const double sector = 2 * G_PI / 5;

  for (int y = cy - radius; y <= cy + radius; y++)
    for (int x = cx - radius; x <= cx + radius; x++)
      {
        double d = hypot (x - cx, y - cy);
        /* A five-pointed star, one point up: its outline's distance from the centre goes
         * from the points' to the notches' and back in each fifth of the turn. */
        double phase = fmod (atan2 (y - cy, x - cx) + G_PI / 2 + 2 * G_PI, sector);
        double t = fabs (phase - sector / 2) / (sector / 2);
        double star = radius * (0.18 + 0.27 * t);

        /* Uneven ink, as a seal pressed by hand. */
        if ((d <= radius && d >= radius - 4) || d <= star)
          ink (c, x, y, RED + canvas_random (c, 4));
      }
}

/* FNV-1a: the same number for the same name everywhere, unlike a hash table's hash. */
static guint64
name_hash (const char *text)
{
  guint64 h = G_GUINT64_CONSTANT (0xcbf29ce484222325);

  for (const guchar *p = (const guchar *) text; *p != '\0'; p++)
    h = (h ^ *p) * G_GUINT64_CONSTANT (0x100000001b3);
  return h;
}

static guint32
crc32_of (guint32       crc,
          const guint8 *data,
          gsize         length)
{
  static guint32 table[256];
  static gsize made = 0;

  if (g_once_init_enter (&made))
    {
      for (guint32 n = 0; n < 256; n++)
        {
          guint32 v = n;

          for (int k = 0; k < 8; k++)
            v = v & 1 ? 0xEDB88320u ^ (v >> 1) : v >> 1;
          table[n] = v;
        }
      g_once_init_leave (&made, 1);
    }

  crc ^= 0xFFFFFFFFu;
  for (gsize i = 0; i < length; i++)
    crc = table[(crc ^ data[i]) & 0xFF] ^ (crc >> 8);
  return crc ^ 0xFFFFFFFFu;
}

static void
append_be32 (GByteArray *out,
             guint32     value)
{
  guint8 b[4] = { value >> 24, value >> 16, value >> 8, value };

  g_byte_array_append (out, b, 4);
}

static void
png_chunk (GByteArray   *out,
           const char   *type,
           const guint8 *data,
           gsize         length)
{
  guint32 crc;

  append_be32 (out, (guint32) length);
  g_byte_array_append (out, (const guint8 *) type, 4);
  if (length > 0)
    g_byte_array_append (out, data, length);
  crc = crc32_of (0, (const guint8 *) type, 4);
  crc = crc32_of (crc, data, length);
  append_be32 (out, crc);
}

static GBytes *
deflate (const guint8 *data,
         gsize         length)
{
  g_autoptr(GZlibCompressor) compressor = g_zlib_compressor_new (G_ZLIB_COMPRESSOR_FORMAT_ZLIB,
                                                                 1);
  g_autoptr(GByteArray) out = g_byte_array_new ();
  guint8 buffer[16384];
  gsize read = 0;

  for (;;)
    {
      gsize bytes_read = 0, bytes_written = 0;
      GConverterResult result;

      result = g_converter_convert (G_CONVERTER (compressor), data + read, length - read,
                                    buffer, sizeof buffer, G_CONVERTER_INPUT_AT_END,
                                    &bytes_read, &bytes_written, NULL);
      /* Into memory, with room for every step: it cannot fail. */
      g_assert (result != G_CONVERTER_ERROR);
      read += bytes_read;
      g_byte_array_append (out, buffer, bytes_written);
      if (result == G_CONVERTER_FINISHED)
        break;
    }
  return g_byte_array_free_to_bytes (g_steal_pointer (&out));
}

/*
 * A page as a scanner at 36 dots per inch makes it: slightly yellowed paper, a heading of as
 * many characters as @title has, lines of small characters, a signature and a red seal.
 *
 * Returns: (transfer full): the PNG file's bytes
 */
GBytes *
_tb_demo_files_make_scan (const char *title,
                          guint       variant)
{
  g_autofree guint8 *rows = NULL;
  g_autoptr(GByteArray) png = g_byte_array_new ();
  g_autoptr(GByteArray) header = g_byte_array_new ();
  g_autoptr(GBytes) idat = NULL;
  Canvas c;
  glong n_title;
  int x, y;

  g_return_val_if_fail (title != NULL, NULL);

  /* Each row behind its filter type, "None". */
  rows = g_malloc0 ((gsize) (SCAN_WIDTH + 1) * SCAN_HEIGHT);
  c.pixels = g_malloc0 ((gsize) SCAN_WIDTH * SCAN_HEIGHT);
  c.state = name_hash (title) + variant;

  /* The scanner lid's shadow along the left edge. */
  fill (&c, 0, 0, 5, SCAN_HEIGHT, SHADOW);

  /* The heading, centred. */
  n_title = MIN (g_utf8_strlen (title, -1), 22);
  x = (SCAN_WIDTH - (int) n_title * 15) / 2;
  for (glong i = 0; i < n_title; i++)
    glyph (&c, x + (int) i * 15, 48, 12, 2);

  /* Paragraphs of small characters. */
  y = 96;
  for (guint paragraph = 0; paragraph < 3 + variant % 2; paragraph++)
    {
      guint lines = 2 + canvas_random (&c, 4);

      for (guint line = 0; line < lines && y < 430; line++, y += 14)
        {
          int indent = line == 0 ? 2 : 0;
          int length = line + 1 == lines ? 6 + canvas_random (&c, 20) : 32;

          for (int i = indent; i < indent + length && i < 32; i++)
            glyph (&c, 44 + i * 10, y, 8, 1);
        }
      y += 10;
    }

  /* A signature, the date, and the seal over them. */
  for (int i = 0; i < 60; i++)
    ink (&c, 250 + i, 470 + (int) (6 * sin (i / 4.0 + variant)), TONER);
  for (int i = 0; i < 9; i++)
    glyph (&c, 260 + i * 10, 500, 8, 1);
  stamp (&c, 300 + (int) canvas_random (&c, 30), 480 + (int) canvas_random (&c, 20), 38);

  for (int j = 0; j < SCAN_HEIGHT; j++)
    memcpy (rows + (gsize) j * (SCAN_WIDTH + 1) + 1, c.pixels + (gsize) j * SCAN_WIDTH,
            SCAN_WIDTH);
  g_free (c.pixels);
  idat = deflate (rows, (gsize) (SCAN_WIDTH + 1) * SCAN_HEIGHT);

  g_byte_array_append (png, (const guint8 *) "\x89PNG\r\n\x1a\n", 8);
  append_be32 (header, SCAN_WIDTH);
  append_be32 (header, SCAN_HEIGHT);
  /* 8 bits per index, a palette, deflate, adaptive filtering, not interlaced. */
  g_byte_array_append (header, (const guint8 *) "\x08\x03\x00\x00\x00", 5);
  png_chunk (png, "IHDR", header->data, header->len);
  png_chunk (png, "PLTE", &palette[0][0], sizeof palette);
  png_chunk (png, "IDAT", g_bytes_get_data (idat, NULL), g_bytes_get_size (idat));
  png_chunk (png, "IEND", NULL, 0);

  return g_byte_array_free_to_bytes (g_steal_pointer (&png));
}
