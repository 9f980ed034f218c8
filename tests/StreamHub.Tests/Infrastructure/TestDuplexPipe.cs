using System.IO.Pipelines;

namespace StreamHub.Tests.Infrastructure;

/// <summary>One side of an in-memory connection.</summary>
public sealed class TestDuplexPipe(PipeReader input, PipeWriter output) : IDuplexPipe
{
    public PipeReader Input { get; } = input;
    public PipeWriter Output { get; } = output;
}
