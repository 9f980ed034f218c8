using System.Globalization;

namespace StreamHub.Tests.Hls.Players;

/// <summary>A live media playlist as a player reads it over HTTP: TARGETDURATION, the first media sequence number,
/// and each segment's EXTINF and absolute URI.</summary>
public sealed record LivePlaylist(Uri Url, string Text, int TargetDuration, long MediaSequence, IReadOnlyList<LivePlaylist.Entry> Segments)
{
    public sealed record Entry(long Sequence, double Duration, Uri Uri);

    public double LongestDuration => Segments.Count == 0 ? 0 : Segments.Max(s => s.Duration);

    /// <summary>RFC 8216 §4.3.3.1: TARGETDURATION is the longest EXTINF rounded to the nearest integer (half up).</summary>
    public static int Rounded(double seconds) => (int)Math.Floor(seconds + 0.5);

    public static async Task<LivePlaylist?> TryGetAsync(HttpClient client, Uri url)
    {
        using var response = await client.GetAsync(url);
        if (!response.IsSuccessStatusCode)
        {
            return null;
        }
        return Parse(url, await response.Content.ReadAsStringAsync());
    }

    public static LivePlaylist Parse(Uri url, string text)
    {
        var target = -1;
        long sequence = 0;
        double? duration = null;
        var segments = new List<Entry>();
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.Trim();
            if (line.StartsWith("#EXT-X-TARGETDURATION:", StringComparison.Ordinal))
            {
                target = int.Parse(line["#EXT-X-TARGETDURATION:".Length..], CultureInfo.InvariantCulture);
            }
            else if (line.StartsWith("#EXT-X-MEDIA-SEQUENCE:", StringComparison.Ordinal))
            {
                sequence = long.Parse(line["#EXT-X-MEDIA-SEQUENCE:".Length..], CultureInfo.InvariantCulture);
            }
            else if (line.StartsWith("#EXTINF:", StringComparison.Ordinal))
            {
                duration = double.Parse(line["#EXTINF:".Length..].Split(',')[0], CultureInfo.InvariantCulture);
            }
            else if (line.Length > 0 && !line.StartsWith('#') && duration is { } d)
            {
                segments.Add(new Entry(sequence + segments.Count, d, new Uri(url, line)));
                duration = null;
            }
        }
        return new LivePlaylist(url, text, target, sequence, segments);
    }
}
