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
    public const string PublishFailed = "NetStream.Publish.Failed";
    public const string PlayReset = "NetStream.Play.Reset";
    public const string PlayStart = "NetStream.Play.Start";
    public const string PlayStop = "NetStream.Play.Stop";
    public const string PlayFailed = "NetStream.Play.Failed";
    public const string PlayStreamNotFound = "NetStream.Play.StreamNotFound";
    public const string PlayUnpublishNotify = "NetStream.Play.UnpublishNotify";
}
