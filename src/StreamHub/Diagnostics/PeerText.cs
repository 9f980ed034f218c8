using System.Text;

namespace StreamHub.Diagnostics;

/// <summary>Text a peer chose (an encoder's flashVer, its onMetaData strings, ...) made safe to log and to show:
/// control characters become visible escapes, so CR/LF cannot forge a log line and an ANSI escape cannot repaint a
/// terminal, and long text is cut to a bounded length with a marker, so one string cannot make a megabyte log line or
/// API answer. Applied where such text is taken in, once.</summary>
public static class PeerText
{
    /// <summary>Characters kept by default, escapes included, before the <see cref="Ellipsis"/>.</summary>
    public const int MaxLength = 256;

    /// <summary>Appended to text that was cut.</summary>
    public const string Ellipsis = "…";

    /// <summary>The text with backslashes doubled, \r \n \t as such, other control, line-separator and bidirectional
    /// formatting characters and unpaired surrogates as \xNN or \uNNNN, cut to <paramref name="maxLength"/> characters
    /// (never inside an escape or a surrogate pair) plus <see cref="Ellipsis"/>. Text that needs none of this is
    /// returned as it is.</summary>
    public static string? Sanitize(string? text, int maxLength = MaxLength)
    {
        if (text is null || (text.Length <= maxLength && !NeedsEscape(text)))
        {
            return text;
        }
        var builder = new StringBuilder(Math.Min(text.Length, maxLength) + Ellipsis.Length);
        Span<char> escape = stackalloc char[6];
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            scoped ReadOnlySpan<char> piece;
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                piece = text.AsSpan(i, 2);
            }
            else if (IsUnsafe(c))
            {
                piece = Escape(c, escape);
            }
            else
            {
                piece = text.AsSpan(i, 1);
            }
            if (builder.Length + piece.Length > maxLength)
            {
                return builder.Append(Ellipsis).ToString();
            }
            builder.Append(piece);
            i += piece.Length == 2 && char.IsHighSurrogate(piece[0]) ? 1 : 0;
        }
        return builder.ToString();
    }

    private static bool NeedsEscape(string text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
            }
            else if (IsUnsafe(c))
            {
                return true;
            }
        }
        return false;
    }

    private static bool IsUnsafe(char c) =>
        c < 0x20 || c is '\\' or (>= '\x7F' and <= '\x9F')
        || c is '\u2028' or '\u2029' or (>= '\u202A' and <= '\u202E') or (>= '\u2066' and <= '\u2069')
        || char.IsSurrogate(c);

    private static ReadOnlySpan<char> Escape(char c, Span<char> buffer)
    {
        switch (c)
        {
            case '\\':
                return @"\\";
            case '\r':
                return @"\r";
            case '\n':
                return @"\n";
            case '\t':
                return @"\t";
        }
        if (c <= 0xFF)
        {
            buffer[0] = '\\';
            buffer[1] = 'x';
            ((int)c).TryFormat(buffer[2..], out _, "x2");
            return buffer[..4];
        }
        buffer[0] = '\\';
        buffer[1] = 'u';
        ((int)c).TryFormat(buffer[2..], out _, "x4");
        return buffer[..6];
    }
}
