using Microsoft.Extensions.Logging;

namespace StreamHub.Tests.Infrastructure;

/// <summary>A <see cref="ListLogger"/> for a category type, for services that take <see cref="ILogger{T}"/>.</summary>
public sealed class ListLogger<T> : ILogger<T>
{
    public ListLogger Inner { get; } = new();

    public IReadOnlyList<string> Lines => Inner.Lines;

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
        Inner.Log(logLevel, eventId, state, exception, formatter);
}
