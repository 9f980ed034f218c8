using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using StreamHub.Hls;
using StreamHub.Tests.Infrastructure;

namespace StreamHub.Tests.Hls;

public sealed class HlsOptionsTests
{
    [Theory]
    [InlineData("StreamHub:Hls:SegmentDurationSeconds", "0.5")]
    [InlineData("StreamHub:Hls:WindowSegments", "2")]
    [InlineData("StreamHub:Hls:EndedStreamGraceSeconds", "-1")]
    [InlineData("StreamHub:Hls:MaxSegmentDurationSeconds", "1.5")] // below the 2 s segment target
    [InlineData("StreamHub:Hls:MaxSegmentDurationSeconds", "61")]
    public void Bad_setting_stops_start_up_naming_the_setting(string setting, string value)
    {
        // Program.Main logs the validation failures and exits, so the host never comes up.
        Assert.ThrowsAny<Exception>(() =>
        {
            var host = StreamHubHost.Start(new Dictionary<string, string?> { [setting] = value });
            host.DisposeAsync().AsTask().GetAwaiter().GetResult();
        });
        // The message it logs comes from the validator registered by AddHls, and names the setting.
        var options = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { [setting] = value }).Build()
            .GetSection(HlsOptions.Section).Get<HlsOptions>()!;
        var result = new DataAnnotationValidateOptions<HlsOptions>(null).Validate(null, options);
        Assert.True(result.Failed);
        Assert.Contains(result.Failures!, f => f.Contains(setting, StringComparison.Ordinal));
    }

    [Fact]
    public void A_part_target_over_half_the_segment_target_is_refused_even_with_low_latency_off_since_a_stream_can_turn_it_on()
    {
        var options = new HlsOptions { LowLatency = false, SegmentDurationSeconds = 2, PartDurationSeconds = 1.5 };
        var result = new DataAnnotationValidateOptions<HlsOptions>(null).Validate(null, options);
        Assert.True(result.Failed);
        Assert.Contains(result.Failures!, f => f.Contains("StreamHub:Hls:PartDurationSeconds", StringComparison.Ordinal));
    }

    [Fact]
    public void Defaults_match_appsettings_and_the_minimum_target_duration_is_the_rounded_segment_target()
    {
        var options = new HlsOptions();
        Assert.Equal(2, options.SegmentDurationSeconds);
        Assert.Equal(6, options.WindowSegments);
        Assert.Equal(60, options.EndedStreamGraceSeconds);
        Assert.Equal(15, options.MaxSegmentDurationSeconds);
        Assert.Equal(2, options.MinimumTargetDurationSeconds);
        Assert.Equal(6, new HlsOptions { SegmentDurationSeconds = 6 }.MinimumTargetDurationSeconds);
        Assert.Equal(2, new HlsOptions { SegmentDurationSeconds = 1.5 }.MinimumTargetDurationSeconds);
        Assert.Equal(1, new HlsOptions { SegmentDurationSeconds = 1 }.MinimumTargetDurationSeconds);
    }
}
