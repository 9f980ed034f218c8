using Microsoft.Extensions.Primitives;

namespace StreamHub.Hls;

/// <summary>The bytes of a representation one response carries: all of them (200) or one range of them (206), chosen
/// from the request's <c>Range</c> header (RFC 9110 §14.2).</summary>
public readonly record struct ByteRange(long Start, long Length, bool IsPartial)
{
    public static ByteRange Whole(long length) => new(0, length, false);

    /// <summary>The range a request asks for: false when it is unsatisfiable (a 416). Anything this server does not
    /// serve as a range (no header, several headers or ranges, bad syntax, another unit, an <c>If-Range</c> it has no
    /// validator to compare with) is the whole representation, as RFC 9110 §14.2 allows.</summary>
    public static bool TrySelect(HttpRequest request, long length, out ByteRange range)
    {
        var header = request.Headers.Range;
        if (header.Count != 1 || !StringValues.IsNullOrEmpty(request.Headers.IfRange))
        {
            range = Whole(length);
            return true;
        }
        return TrySelect(header[0], length, out range);
    }

    /// <summary>One <c>Range</c> value against a representation of <paramref name="length"/> bytes.
    /// <code>
    /// Range        = "bytes" "=" range-spec        (a list of specs is served whole)
    /// range-spec   = first-pos "-" [ last-pos ]    first-pos at or past the end: unsatisfiable; last-pos is clamped
    ///              / "-" suffix-length             the last suffix-length bytes; 0: unsatisfiable
    /// </code>
    /// Positions beyond a long saturate, which gives the same answers as their exact values would.</summary>
    public static bool TrySelect(ReadOnlySpan<char> header, long length, out ByteRange range)
    {
        range = Whole(length);
        const string Unit = "bytes=";
        if (!header.StartsWith(Unit, StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }
        var spec = header[Unit.Length..].Trim([' ', '\t']);
        var dash = spec.IndexOf('-');
        if (dash < 0 || spec.Contains(','))
        {
            return true;
        }
        var first = spec[..dash];
        var last = spec[(dash + 1)..];
        if (first.IsEmpty)
        {
            if (!TryReadPosition(last, out var suffix))
            {
                return true;
            }
            if (suffix == 0 || length == 0)
            {
                return false;
            }
            var count = Math.Min(suffix, length);
            range = new ByteRange(length - count, count, true);
            return true;
        }
        if (!TryReadPosition(first, out var start))
        {
            return true;
        }
        var end = long.MaxValue;
        if (!last.IsEmpty && (!TryReadPosition(last, out end) || end < start))
        {
            return true; // an invalid range-spec: the header is ignored
        }
        if (start >= length)
        {
            return false;
        }
        range = new ByteRange(start, Math.Min(end, length - 1) - start + 1, true);
        return true;
    }

    /// <summary>1*DIGIT, saturating at <see cref="long.MaxValue"/>.</summary>
    private static bool TryReadPosition(ReadOnlySpan<char> digits, out long value)
    {
        value = 0;
        if (digits.IsEmpty)
        {
            return false;
        }
        foreach (var c in digits)
        {
            if (!char.IsAsciiDigit(c))
            {
                return false;
            }
            var digit = c - '0';
            value = value > (long.MaxValue - digit) / 10 ? long.MaxValue : value * 10 + digit;
        }
        return true;
    }
}
