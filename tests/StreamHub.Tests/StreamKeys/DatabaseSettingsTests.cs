using System.Net;
using System.Net.Sockets;
using StreamHub.Tests.Infrastructure;

namespace StreamHub.Tests.StreamKeys;

/// <summary>The database settings as an operator meets them: a real process, its exit code and what it prints.</summary>
public sealed class DatabaseSettingsTests
{
    private static readonly TimeSpan ExitTimeout = StreamHubProcess.StartTimeout;

    [Theory]
    [InlineData("Oracle", null, "StreamHub:Database:Provider")]
    [InlineData("Postgres", null, "StreamHub:Database:ConnectionString is required")]
    [InlineData("Postgres", "   ", "StreamHub:Database:ConnectionString is required")]
    [InlineData("Postgres", "Hots=db;Password=hunter2", "StreamHub:Database:ConnectionString is not a PostgreSQL connection string")]
    [InlineData("Postgres", "Database=streamhub;Password=hunter2", "StreamHub:Database:ConnectionString names no Host")]
    public async Task A_bad_database_setting_stops_startup_naming_it(string provider, string? connectionString, string message)
    {
        var settings = StreamHubProcess.DefaultSettings();
        settings["StreamHub__Database__Provider"] = provider;
        settings["StreamHub__Database__ConnectionString"] = connectionString;
        await using var server = StreamHubProcess.Start(settings);

        Assert.Equal(2, await server.WaitForExitAsync(ExitTimeout));
        Assert.Contains(message, server.Output);
        Assert.DoesNotContain("hunter2", server.Output);
        Assert.DoesNotContain("   at ", server.Output);
    }

    [Fact]
    public async Task An_unreachable_database_stops_startup_with_one_line_naming_the_setting_and_the_host()
    {
        // A port nothing listens on: the connection is refused at once.
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        var settings = StreamHubProcess.DefaultSettings();
        settings["StreamHub__Database__Provider"] = "Postgres";
        settings["StreamHub__Database__ConnectionString"] = $"Host=127.0.0.1;Port={port};Database=streamhub;Username=streamhub;Password=hunter2;Timeout=5";
        await using var server = StreamHubProcess.Start(settings);

        Assert.Equal(4, await server.WaitForExitAsync(ExitTimeout));
        Assert.Contains($"Cannot reach the database at 127.0.0.1:{port}", server.Output);
        Assert.Contains("StreamHub:Database:ConnectionString", server.Output);
        Assert.Contains("refused", server.Output, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("hunter2", server.Output);
        Assert.DoesNotContain("   at ", server.Output);
    }
}
