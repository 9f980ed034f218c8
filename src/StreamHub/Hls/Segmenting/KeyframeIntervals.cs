namespace StreamHub.Hls.Segmenting;

/// <summary>The distances between an encoder's recent keyframes (90 kHz ticks), and the longest of them: the keyframe
/// interval the segmenter plans its cuts with. Recent, not all-time, so one late keyframe (a stall, a scene change
/// the encoder handled oddly) stops counting after a few GOPs. Written by the segmenter's thread; <see cref="Longest"/>
/// is read from any thread.</summary>
internal sealed class KeyframeIntervals
{
    private const int Remembered = 8;

    private readonly long[] _intervals = new long[Remembered];
    private int _next;
    private long _last = long.MinValue;
    private long _longest;

    /// <summary>The longest recent interval; 0 until two keyframes were seen.</summary>
    public long Longest => Volatile.Read(ref _longest);

    public void Seen(long dts)
    {
        if (_last != long.MinValue && dts > _last)
        {
            _intervals[_next] = dts - _last;
            _next = (_next + 1) % Remembered;
            var longest = 0L;
            foreach (var interval in _intervals)
            {
                longest = Math.Max(longest, interval);
            }
            Volatile.Write(ref _longest, longest);
        }
        _last = dts;
    }

    /// <summary>A new publish or a timestamp jump: what came before says nothing about what follows.</summary>
    public void Reset()
    {
        Array.Clear(_intervals);
        _next = 0;
        _last = long.MinValue;
        Volatile.Write(ref _longest, 0);
    }
}
