using StreamHub.Hls.Fmp4;

namespace StreamHub.Tests.Hls.Fmp4;

public sealed class AudioSampleClockTests
{
    [Fact]
    public void Frames_of_1024_samples_at_48_kHz_stay_1024_apart_though_their_timestamps_are_whole_milliseconds()
    {
        var clock = new AudioSampleClock(48000);
        var previous = clock.Advance(1000, 1024);
        Assert.Equal(48000, previous);
        for (var i = 1; i < 500; i++)
        {
            var dts = 1000 + (long)Math.Round(i * 1024 * 1000 / 48000.0); // what an encoder's ms clock says
            var position = clock.Advance(dts, 1024);
            Assert.Equal(1024, position - previous);
            previous = position;
        }
    }

    [Fact]
    public void Peek_does_not_advance_and_agrees_with_the_next_advance()
    {
        var clock = new AudioSampleClock(44100);
        clock.Advance(44, 1024);
        var peeked = clock.Peek(67);
        Assert.Equal(peeked, clock.Peek(67));
        Assert.Equal(peeked, clock.Advance(67, 1024));
        Assert.Equal(1940 + 1024, peeked);
    }

    [Fact]
    public void A_jump_in_the_timestamps_restarts_from_the_rounded_timestamp()
    {
        var clock = new AudioSampleClock(44100);
        clock.Advance(0, 1024);
        clock.Advance(23, 1024);
        Assert.Equal(441000, clock.Advance(10_000, 1024)); // a 10 s gap: no drift carried over
        Assert.Equal(441000 + 1024, clock.Advance(10_023, 1024));
    }

    [Fact]
    public void A_small_drift_is_clipped_into_the_half_millisecond_window()
    {
        var clock = new AudioSampleClock(44100);
        clock.Advance(0, 1024);
        // 30 ms instead of 23: 7 ms off, beyond the window's reach, so the frame lands on its rounded timestamp.
        Assert.Equal(1323, clock.Advance(30, 1024));
        // Then 54 ms, where 1323 + 1024 = 2347 (53.2 ms) is expected: just before the samples that round to 54 ms
        // (2359..2404), so it is pulled to the window's first sample.
        Assert.Equal(2359, clock.Advance(54, 1024));
    }
}
