namespace StreamHub.Hls.Fmp4;

/// <summary>Turns millisecond (RTMP) timestamps of audio frames into sample-accurate decode times at the sample rate:
/// each frame starts where the previous one ended (frames of 1024 samples for AAC) as long as that position rounds to
/// the frame's millisecond timestamp (within ±0.5 ms); a position outside that window is clipped into it, and a jump
/// beyond twice its width (a gap or a timestamp reset) restarts from the rounded timestamp. This is ffmpeg's
/// <c>av_rescale_delta</c>, which its stream copy uses for audio, so the durations match what ffmpeg writes for the
/// same input: 1024 most of the time, with a small correction where the millisecond clock drifts. The clock is
/// anchored on the first frame (its timestamp rounded to a sample); later positions are worked out relative to it, so
/// the corrections fall where ffmpeg's do when its start time is that first audio frame.</summary>
public struct AudioSampleClock(int sampleRate)
{
    private readonly int _sampleRate = sampleRate;
    private long _next = long.MinValue;
    private long _originDts;
    private long _originPosition;

    public readonly int SampleRate => _sampleRate;

    /// <summary>The decode time of a frame with millisecond timestamp <paramref name="dts"/> and
    /// <paramref name="samples"/> samples, advancing the clock past it.</summary>
    public long Advance(long dts, int samples)
    {
        if (_next == long.MinValue)
        {
            _originDts = dts;
            _originPosition = RoundDiv(dts * _sampleRate, 1000);
        }
        var position = Peek(dts);
        _next = position + samples;
        return position;
    }

    /// <summary>The decode time a frame at <paramref name="dts"/> would get, without advancing the clock.</summary>
    public readonly long Peek(long dts)
    {
        if (_next == long.MinValue)
        {
            return RoundDiv(dts * _sampleRate, 1000);
        }
        var relative = dts - _originDts;
        var next = _next - _originPosition;
        var rounded = RoundDiv(relative * _sampleRate, 1000);
        // [low, high]: the sample positions that round to the timestamp (± 0.5 ms).
        var low = FloorDiv((2 * relative - 1) * _sampleRate, 1000) >> 1;
        var high = (CeilDiv((2 * relative + 1) * _sampleRate, 1000) + 1) >> 1;
        var position = next < 2 * low - high || next > 2 * high - low ? rounded : Math.Clamp(next, low, high);
        return _originPosition + position;
    }

    // av_rescale_q's default rounding: to nearest, halves away from zero.
    private static long RoundDiv(long value, long divisor) =>
        value >= 0 ? (value + divisor / 2) / divisor : -((-value + divisor / 2) / divisor);

    private static long FloorDiv(long value, long divisor) => value >= 0 ? value / divisor : -((-value + divisor - 1) / divisor);

    private static long CeilDiv(long value, long divisor) => value >= 0 ? (value + divisor - 1) / divisor : -(-value / divisor);
}
