namespace StreamHub.Rtmp.Commands;

/// <summary>A command message (type 20, or 17 with its leading 0x00 skipped): name, transaction id, command object,
/// then the optional arguments (RTMP 1.0 §7.2).</summary>
public sealed record RtmpCommand(string Name, double TransactionId, object? CommandObject, IReadOnlyList<object?> Arguments)
{
    /// <summary>The argument at <paramref name="index"/> as a string, or null.</summary>
    public string? StringArgument(int index) => index < Arguments.Count ? Arguments[index] as string : null;

    public double? NumberArgument(int index) => index < Arguments.Count && Arguments[index] is double number ? number : null;
}
