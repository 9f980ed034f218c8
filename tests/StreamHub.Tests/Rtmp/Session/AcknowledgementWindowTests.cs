using StreamHub.Rtmp.Session;

namespace StreamHub.Tests.Rtmp.Session;

public sealed class AcknowledgementWindowTests
{
    [Fact]
    public void Due_once_per_window()
    {
        var window = new AcknowledgementWindow(1000);
        Assert.False(window.Add(999));
        Assert.True(window.Add(1));
        Assert.Equal(1000u, window.SequenceNumber);
        Assert.False(window.Add(500));
        Assert.True(window.Add(600));
        Assert.Equal(2100u, window.SequenceNumber);
    }

    [Fact]
    public void Sequence_number_wraps_mod_2_pow_32_and_acks_keep_coming()
    {
        var window = new AcknowledgementWindow(2_500_000);
        var acks = 0;
        for (var i = 0; i < 1800; i++)
        {
            if (window.Add(2_500_000))
            {
                acks++;
            }
        }
        Assert.Equal(1800, acks);
        Assert.Equal(4_500_000_000UL, window.TotalReceived);
        Assert.Equal((uint)(4_500_000_000UL % (1UL << 32)), window.SequenceNumber);
    }

    [Fact]
    public void Peer_window_size_replaces_the_default_and_zero_is_ignored()
    {
        var window = new AcknowledgementWindow(2_500_000);
        window.SetWindowSize(0);
        Assert.Equal(2_500_000u, window.WindowSize);
        window.SetWindowSize(100);
        Assert.True(window.Add(100));
    }
}
