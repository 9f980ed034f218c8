using System.Buffers;
using StreamHub.Hls.Playlists;

namespace StreamHub.Hls.Segmenting;

/// <summary>The finished segments of a playlist, with the header before them: what every playlist version between two
/// segments shares (a low-latency playlist changes with every part, but only after its last EXTINF). Made when a segment
/// is listed, from values that never change afterwards (a finished segment's entry and parts are fixed); its text, and
/// the delta update's, are written on the first request that needs them, once, and then shared by every snapshot until
/// the next segment. A stream nobody watches never has its text written.</summary>
internal sealed class PlaylistHead
{
    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_scratch;

    private readonly Segment[] _listed;
    private readonly int _targetDuration;
    private readonly TimeSpan? _partTarget;
    private readonly long _discontinuitySequence;
    private readonly int _partSegments;
    private int _skipped = -1;
    private PlaylistText? _full;
    private PlaylistText? _delta;

    /// <param name="listed">The listed segments, oldest first; the caller hands the array over.</param>
    /// <param name="partSegments">Finished segments at the end whose parts are listed.</param>
    public PlaylistHead(Segment[] listed, int targetDuration, TimeSpan? partTarget, long discontinuitySequence, int partSegments)
    {
        _listed = listed;
        _targetDuration = targetDuration;
        _partTarget = partTarget;
        _discontinuitySequence = discontinuitySequence;
        _partSegments = partSegments;
    }

    /// <summary>Segments a delta update leaves out: those at the start whose end is at least CAN-SKIP-UNTIL before the
    /// end of the playlist (RFC 8216bis §4.4.3.8); 0 without parts (no delta updates then).</summary>
    public int Skipped
    {
        get
        {
            if (_skipped < 0)
            {
                _skipped = _partTarget is null ? 0 : SkippableSegments(CanSkipUntil);
            }
            return _skipped;
        }
    }

    /// <summary>The header and finished segments of the whole playlist.</summary>
    public PlaylistText Full => Volatile.Read(ref _full) ?? Publish(ref _full, Render(skipped: 0));

    /// <summary>The same for the delta update (EXT-X-SKIP instead of the oldest segments); only when
    /// <see cref="Skipped"/> is above 0.</summary>
    public PlaylistText Delta => Volatile.Read(ref _delta) ?? Publish(ref _delta, Render(Skipped));

    private TimeSpan CanSkipUntil => TimeSpan.FromSeconds(6 * _targetDuration);

    /// <summary>Two readers that render at once both write the text; the first stored is the one every later reader
    /// gets (the two are equal).</summary>
    private static PlaylistText Publish(ref PlaylistText? field, PlaylistText text) =>
        Interlocked.CompareExchange(ref field, text, null) ?? text;

    private PlaylistText Render(int skipped)
    {
        var fmp4 = false;
        var independent = true;
        foreach (var segment in _listed)
        {
            fmp4 |= segment.Entry.InitVersion != 0;
            independent &= segment.Entry.Independent;
        }
        var output = t_scratch ??= new ArrayBufferWriter<byte>(4096);
        output.ResetWrittenCount();
        MediaPlaylistWriter.WriteHeader(output, MediaPlaylistWriter.Version(fmp4, _partTarget is not null), _targetDuration, _partTarget,
            CanSkipUntil, _listed[0].Entry.Sequence, _discontinuitySequence, independent, skipped);
        var map = 0;
        for (var index = skipped; index < _listed.Length; index++)
        {
            var segment = _listed[index];
            MediaPlaylistWriter.WriteSegmentTags(output, segment.Entry, programDateTime: index == skipped || _partTarget is not null, ref map);
            if (index >= _listed.Length - _partSegments)
            {
                foreach (var part in segment.Parts)
                {
                    MediaPlaylistWriter.WritePart(output, part.Entry);
                }
            }
            MediaPlaylistWriter.WriteSegmentLine(output, segment.Entry);
        }
        return new PlaylistText(output.WrittenSpan.ToArray(), map);
    }

    private int SkippableSegments(TimeSpan skipUntil)
    {
        var total = TimeSpan.Zero;
        foreach (var segment in _listed)
        {
            total += segment.Entry.Duration;
        }
        // Walk from the start: segment i may be skipped when the segments after it last at least skipUntil.
        var skippable = 0;
        var after = total;
        foreach (var segment in _listed)
        {
            after -= segment.Entry.Duration;
            if (after < skipUntil)
            {
                break;
            }
            skippable++;
        }
        return skippable;
    }
}
