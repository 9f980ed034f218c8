using System.ComponentModel.DataAnnotations;
using StreamHub.Rtmp;
using StreamHub.Tests.Infrastructure;

namespace StreamHub.Tests.Rtmp;

/// <summary>The RTMP limits added for hostile peers are validated like the others: a bad value names its setting.</summary>
public sealed class RtmpOptionsTests
{
    [Theory]
    [InlineData(nameof(RtmpOptions.MaxCommandSize), 100, "StreamHub:Rtmp:MaxCommandSize")]
    [InlineData(nameof(RtmpOptions.MaxAmfValues), 0, "StreamHub:Rtmp:MaxAmfValues")]
    [InlineData(nameof(RtmpOptions.PartialMessageTimeoutSeconds), 0, "StreamHub:Rtmp:PartialMessageTimeoutSeconds")]
    [InlineData(nameof(RtmpOptions.WriteTimeoutSeconds), 0, "StreamHub:Rtmp:WriteTimeoutSeconds")]
    public void An_out_of_range_limit_is_refused_naming_its_setting(string property, int value, string setting)
    {
        var options = new RtmpOptions();
        typeof(RtmpOptions).GetProperty(property)!.SetValue(options, value);
        var results = new List<ValidationResult>();
        Assert.False(Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true));
        Assert.Contains(results, r => r.ErrorMessage!.Contains(setting, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_command_limit_above_the_message_limit_stops_start_up_naming_both_settings()
    {
        var settings = StreamHubProcess.DefaultSettings();
        settings["StreamHub__Rtmp__MaxMessageSize"] = "1048576";
        settings["StreamHub__Rtmp__MaxCommandSize"] = "2097152";
        await using var server = StreamHubProcess.Start(settings);

        Assert.Equal(2, await server.WaitForExitAsync(StreamHubProcess.StartTimeout));
        Assert.Contains("StreamHub:Rtmp:MaxCommandSize (2097152) must not be larger than StreamHub:Rtmp:MaxMessageSize (1048576)", server.Output);
    }
}
