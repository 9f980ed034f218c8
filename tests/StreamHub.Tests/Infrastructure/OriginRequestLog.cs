using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;

namespace StreamHub.Tests.Infrastructure;

/// <summary>Counts the requests a test host's app receives, by path and query, and when it finished answering each
/// (<see cref="Stopwatch.GetTimestamp"/>): a middleware in front of the whole app, added as a startup filter, so a
/// test can tell what a proxy in front passed on.</summary>
public sealed class OriginRequestLog : IStartupFilter
{
    private readonly ConcurrentDictionary<string, int> _counts = new();
    private readonly ConcurrentDictionary<string, long> _answered = new();

    public IReadOnlyDictionary<string, int> Counts => _counts;

    /// <summary>When the app last finished answering <paramref name="pathAndQuery"/>, if it did.</summary>
    public long? AnsweredAt(string pathAndQuery) => _answered.TryGetValue(pathAndQuery, out var at) ? at : null;

    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
    {
        app.Use(async (HttpContext context, RequestDelegate following) =>
        {
            var key = context.Request.Path + context.Request.QueryString;
            _counts.AddOrUpdate(key, 1, (_, count) => count + 1);
            await following(context);
            _answered[key] = Stopwatch.GetTimestamp();
        });
        next(app);
    };
}
