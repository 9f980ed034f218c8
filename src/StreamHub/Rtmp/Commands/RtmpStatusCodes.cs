namespace StreamHub.Rtmp.Commands;

/// <summary>NetConnection / NetStream status codes the server sends.</summary>
public static class RtmpStatusCodes
{
    public const string LevelStatus = "status";
    public const string LevelError = "error";
    public const string ConnectSuccess = "NetConnection.Connect.Success";
    public const string ConnectRejected = "NetConnection.Connect.Rejected";
    public const string PublishStart = "NetStream.Publish.Start";
    public const string PublishBadName = "NetStream.Publish.BadName";
    public const string PublishDenied = "NetStream.Publish.Denied";
}
