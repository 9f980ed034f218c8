using System.Reflection;
using StreamHub.Hosting;

namespace StreamHub.Tests.Hosting;

/// <summary>Inline socket completions are turned on for StreamHub's own process only, and never over the operator's
/// own setting.</summary>
public sealed class InlineSocketCompletionsTests
{
    private static readonly Assembly Server = typeof(InlineSocketCompletions).Assembly;

    [Fact]
    public void On_for_the_server_process_when_unset()
    {
        Assert.True(InlineSocketCompletions.ShouldEnable(Server, null));
    }

    [Theory]
    [InlineData("0")]
    [InlineData("1")]
    [InlineData("")]
    public void An_explicit_setting_is_left_alone(string value)
    {
        Assert.False(InlineSocketCompletions.ShouldEnable(Server, value));
    }

    [Fact]
    public void Not_when_another_program_hosts_the_server()
    {
        Assert.False(InlineSocketCompletions.ShouldEnable(typeof(InlineSocketCompletionsTests).Assembly, null));
        Assert.False(InlineSocketCompletions.ShouldEnable(null, null));
    }
}
