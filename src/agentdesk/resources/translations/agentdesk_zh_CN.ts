<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context>
    <name>CallActions</name>
    <message>
        <source>Answer</source>
        <translation>接听</translation>
    </message>
    <message>
        <source>Call</source>
        <translation>呼叫</translation>
    </message>
    <message>
        <source>Reject</source>
        <translation>拒接</translation>
    </message>
    <message>
        <source>Hang up</source>
        <translation>挂断</translation>
    </message>
    <message>
        <source>Resume</source>
        <translation>恢复通话</translation>
    </message>
    <message>
        <source>Hold</source>
        <translation>保持</translation>
    </message>
    <message>
        <source>Unmute</source>
        <translation>取消静音</translation>
    </message>
    <message>
        <source>Mute</source>
        <translation>静音</translation>
    </message>
    <message>
        <source>Complete transfer</source>
        <translation>完成转接</translation>
    </message>
    <message>
        <source>Transfer</source>
        <translation>转接</translation>
    </message>
    <message>
        <source>Cancel transfer</source>
        <translation>取消转接</translation>
    </message>
    <message>
        <source>Resume recording</source>
        <translation>继续录音</translation>
    </message>
    <message>
        <source>Pause recording</source>
        <translation>暂停录音</translation>
    </message>
    <message>
        <source>Record</source>
        <translation>录音</translation>
    </message>
    <message>
        <source>Dial pad</source>
        <translation>拨号盘</translation>
    </message>
    <message>
        <source>Go to number field</source>
        <translation>转到号码栏</translation>
    </message>
</context>
<context>
    <name>CallBar</name>
    <message>
        <source>Number, extension or SIP address</source>
        <translation>号码、分机或 SIP 地址</translation>
    </message>
    <message>
        <source>Number to call</source>
        <translation>要拨打的号码</translation>
    </message>
    <message>
        <source>Type or paste a number in any format, then press Return</source>
        <translation>输入或粘贴任意格式的号码，然后按回车键</translation>
    </message>
    <message>
        <source>Last call: {outcome}</source>
        <translation>上一通电话：{outcome}</translation>
    </message>
    <message>
        <source>Digits sent in this call</source>
        <translation>本次通话中已发送的按键</translation>
    </message>
</context>
<context>
    <name>CallInfo</name>
    <message>
        <source>Talk time</source>
        <translation>通话时长</translation>
    </message>
    <message>
        <source>No call</source>
        <translation>无通话</translation>
    </message>
    <message>
        <source>Transfer consultation</source>
        <translation>转接咨询</translation>
    </message>
    <message>
        <source>Muted</source>
        <translation>已静音</translation>
    </message>
    <message>
        <source>Recording paused</source>
        <translation>录音已暂停</translation>
    </message>
    <message>
        <source>● Recording</source>
        <translation>● 录音中</translation>
    </message>
</context>
<context>
    <name>CallText</name>
    <message>
        <source>Unknown number</source>
        <translation>未知号码</translation>
    </message>
    <message>
        <source>On hold</source>
        <translation>保持中</translation>
    </message>
    <message>
        <source>Connected</source>
        <translation>通话中</translation>
    </message>
    <message>
        <source>Incoming call</source>
        <translation>来电</translation>
    </message>
    <message>
        <source>Calling…</source>
        <translation>正在呼叫…</translation>
    </message>
    <message>
        <source>Ringing at the other end…</source>
        <translation>对方振铃中…</translation>
    </message>
    <message>
        <source>Connecting…</source>
        <translation>正在接通…</translation>
    </message>
    <message>
        <source>Ended</source>
        <translation>已结束</translation>
    </message>
    <message>
        <source>Number not found</source>
        <translation>号码不存在</translation>
    </message>
    <message>
        <source>No answer</source>
        <translation>无人接听</translation>
    </message>
    <message>
        <source>Not available</source>
        <translation>暂时无法接通</translation>
    </message>
    <message>
        <source>Busy</source>
        <translation>忙线</translation>
    </message>
    <message>
        <source>Declined</source>
        <translation>已拒接</translation>
    </message>
</context>
<context>
    <name>DialPad</name>
    <message>
        <source>Click a key or type 0–9, * and # while the pad has focus</source>
        <translation>点击按键，或在拨号盘获得焦点时输入 0–9、* 和 #</translation>
    </message>
    <message>
        <source>Dial pad</source>
        <translation>拨号盘</translation>
    </message>
</context>
<context>
    <name>Errors</name>
    <message>
        <source>Something went wrong</source>
        <translation>出错了</translation>
    </message>
    <message>
        <source>agentdesk hit an unexpected error. Your calls are not affected; the details are in the log file.</source>
        <translation>agentdesk 遇到意外错误。您的通话不受影响，详细信息已写入日志文件。</translation>
    </message>
</context>
<context>
    <name>LineList</name>
    <message>
        <source>Caller</source>
        <translation>对方</translation>
    </message>
    <message>
        <source>State</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>Time</source>
        <translation>时长</translation>
    </message>
    <message>
        <source>Lines</source>
        <translation>线路</translation>
    </message>
    <message>
        <source>(transfer consultation)</source>
        <translation>（转接咨询）</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <source>Incoming call — agentdesk</source>
        <translation>来电 — agentdesk</translation>
    </message>
    <message>
        <source>On a call — agentdesk</source>
        <translation>通话中 — agentdesk</translation>
    </message>
    <message>
        <source>Transfer complete.</source>
        <translation>转接完成。</translation>
    </message>
    <message>
        <source>Transfer failed: {code} {reason}</source>
        <translation>转接失败：{code} {reason}</translation>
    </message>
    <message>
        <source>The caller pressed {digit}</source>
        <translation>对方按下了 {digit}</translation>
    </message>
    <message>
        <source>Call not completed: {outcome}</source>
        <translation>呼叫未接通：{outcome}</translation>
    </message>
    <message>
        <source>About agentdesk</source>
        <translation>关于 agentdesk</translation>
    </message>
    <message>
        <source>agentdesk — the contact-center agent desktop.</source>
        <translation>agentdesk — 呼叫中心坐席工作台。</translation>
    </message>
    <message>
        <source>&amp;File</source>
        <translation>文件(&amp;F)</translation>
    </message>
    <message>
        <source>&amp;Settings…</source>
        <translation>设置(&amp;S)…</translation>
    </message>
    <message>
        <source>&amp;Quit</source>
        <translation>退出(&amp;Q)</translation>
    </message>
    <message>
        <source>&amp;Call</source>
        <translation>通话(&amp;C)</translation>
    </message>
    <message>
        <source>&amp;Demo</source>
        <translation>演示(&amp;D)</translation>
    </message>
    <message>
        <source>Simulate &amp;inbound call</source>
        <translation>模拟来电(&amp;I)</translation>
    </message>
    <message>
        <source>&amp;Help</source>
        <translation>帮助(&amp;H)</translation>
    </message>
    <message>
        <source>&amp;Keyboard shortcuts</source>
        <translation>键盘快捷键(&amp;K)</translation>
    </message>
    <message>
        <source>&amp;About agentdesk</source>
        <translation>关于 agentdesk(&amp;A)</translation>
    </message>
</context>
<context>
    <name>PhoneStatusBar</name>
    <message>
        <source>Dismiss</source>
        <translation>关闭</translation>
    </message>
    <message>
        <source>Call quality: measuring…</source>
        <translation>通话质量：测量中…</translation>
    </message>
    <message>
        <source>good</source>
        <translation>良好</translation>
    </message>
    <message>
        <source>fair</source>
        <translation>一般</translation>
    </message>
    <message>
        <source>poor</source>
        <translation>较差</translation>
    </message>
    <message>
        <source>Call quality: {verdict} (MOS {mos:.1f}) · jitter {jitter:.0f} ms · loss {loss:.1f} %</source>
        <translation>通话质量：{verdict}（MOS {mos:.1f}）· 抖动 {jitter:.0f} 毫秒 · 丢包 {loss:.1f}%</translation>
    </message>
    <message>
        <source>Round trip {rtt:.0f} ms, codec {codec}</source>
        <translation>往返时延 {rtt:.0f} 毫秒，编解码器 {codec}</translation>
    </message>
    <message>
        <source>{lost} unplugged — using {device}</source>
        <translation>{lost} 已拔出 — 正在使用 {device}</translation>
    </message>
    <message>
        <source>Audio device lost — using {device}</source>
        <translation>音频设备已断开 — 正在使用 {device}</translation>
    </message>
    <message>
        <source>Using {device} again</source>
        <translation>已重新使用 {device}</translation>
    </message>
</context>
<context>
    <name>Registration</name>
    <message>
        <source>Direct calls only (no registrar)</source>
        <translation>仅直接呼叫（未配置注册服务器）</translation>
    </message>
    <message>
        <source>Registering…</source>
        <translation>正在注册…</translation>
    </message>
    <message>
        <source>Registered</source>
        <translation>已注册</translation>
    </message>
    <message>
        <source>Not registered</source>
        <translation>未注册</translation>
    </message>
    <message>
        <source>Registration failed: {cause}</source>
        <translation>注册失败：{cause}</translation>
    </message>
    <message>
        <source>no answer from the registrar</source>
        <translation>注册服务器无响应</translation>
    </message>
    <message>
        <source>(retrying in {seconds} s)</source>
        <translation>（{seconds} 秒后重试）</translation>
    </message>
</context>
<context>
    <name>Seat</name>
    <message>
        <source>No system keyring is available, so the SIP password cannot be saved:
{problem}

Enter it for this session only (it is never written to disk).</source>
        <translation>本机没有可用的系统密钥环，无法保存 SIP 密码：
{problem}

请输入密码，仅用于本次会话（绝不写入磁盘）。</translation>
    </message>
    <message>
        <source>Enter the SIP password for {account}. It is saved in the system keyring.</source>
        <translation>请输入 {account} 的 SIP 密码。密码将保存在系统密钥环中。</translation>
    </message>
    <message>
        <source>SIP password</source>
        <translation>SIP 密码</translation>
    </message>
    <message>
        <source>Settings could not be saved: {error}</source>
        <translation>设置无法保存：{error}</translation>
    </message>
    <message>
        <source>Saved. The new SIP account is used when agentdesk next starts.</source>
        <translation>已保存。新的 SIP 账号将在下次启动 agentdesk 时生效。</translation>
    </message>
    <message>
        <source>Demo mode: settings apply to this session only.</source>
        <translation>演示模式：设置仅对本次会话有效。</translation>
    </message>
    <message>
        <source>The phone could not start</source>
        <translation>电话无法启动</translation>
    </message>
    <message>
        <source>agentdesk cannot open its local data</source>
        <translation>agentdesk 无法打开本地数据</translation>
    </message>
</context>
<context>
    <name>SettingsDialog</name>
    <message>
        <source>Settings</source>
        <translation>设置</translation>
    </message>
    <message>
        <source>Account</source>
        <translation>账户</translation>
    </message>
    <message>
        <source>Phone</source>
        <translation>电话</translation>
    </message>
    <message>
        <source>Audio</source>
        <translation>音频</translation>
    </message>
    <message>
        <source>Server</source>
        <translation>服务器</translation>
    </message>
    <message>
        <source>Registrar</source>
        <translation>注册服务器</translation>
    </message>
    <message>
        <source>pbx.example.com:5060 — empty: direct calls only</source>
        <translation>pbx.example.com:5060 — 留空：仅直接呼叫</translation>
    </message>
    <message>
        <source>Username</source>
        <translation>用户名</translation>
    </message>
    <message>
        <source>Authentication username</source>
        <translation>认证用户名</translation>
    </message>
    <message>
        <source>Same as the username</source>
        <translation>与用户名相同</translation>
    </message>
    <message>
        <source>Domain</source>
        <translation>域</translation>
    </message>
    <message>
        <source>The registrar&apos;s host</source>
        <translation>注册服务器的主机名</translation>
    </message>
    <message>
        <source>Display name</source>
        <translation>显示名称</translation>
    </message>
    <message>
        <source>Transport</source>
        <translation>传输协议</translation>
    </message>
    <message>
        <source>Any free port</source>
        <translation>任意空闲端口</translation>
    </message>
    <message>
        <source>Local port</source>
        <translation>本地端口</translation>
    </message>
    <message>
        <source>Password</source>
        <translation>密码</translation>
    </message>
    <message>
        <source>The password is kept in the system keyring, never in the settings file.</source>
        <translation>密码保存在系统密钥环中，绝不会写入设置文件。</translation>
    </message>
    <message>
        <source>No keyring is available on this computer: {problem}
The password will be kept for this session only; you will be asked for it again next time.</source>
        <translation>此计算机上没有可用的密钥环：{problem}
密码仅在本次会话中保留；下次启动时会再次询问。</translation>
    </message>
    <message>
        <source>no keyring backend was found.</source>
        <translation>未找到密钥环后端。</translation>
    </message>
    <message>
        <source>Answer calls automatically after</source>
        <translation>自动接听，延迟</translation>
    </message>
    <message>
        <source> s</source>
        <translation> 秒</translation>
    </message>
    <message>
        <source>Auto-answer</source>
        <translation>自动接听</translation>
    </message>
    <message>
        <source>Default region</source>
        <translation>默认地区</translation>
    </message>
    <message>
        <source>Dial prefix</source>
        <translation>拨号前缀</translation>
    </message>
    <message>
        <source>e.g. 0 for an outside line</source>
        <translation>例如外线前缀 0</translation>
    </message>
    <message>
        <source>RFC 4733 (in the audio stream)</source>
        <translation>RFC 4733（随音频流发送）</translation>
    </message>
    <message>
        <source>SIP INFO</source>
        <translation>SIP INFO 消息</translation>
    </message>
    <message>
        <source>Send digits as</source>
        <translation>按键发送方式</translation>
    </message>
    <message>
        <source>486 Busy Here</source>
        <translation>486 忙线</translation>
    </message>
    <message>
        <source>603 Decline</source>
        <translation>603 拒绝</translation>
    </message>
    <message>
        <source>480 Temporarily Unavailable</source>
        <translation>480 暂时无法接通</translation>
    </message>
    <message>
        <source>Reject answers with</source>
        <translation>拒接时回复</translation>
    </message>
    <message>
        <source>Record every call</source>
        <translation>录制每一通电话</translation>
    </message>
    <message>
        <source>Recording</source>
        <translation>录音</translation>
    </message>
    <message>
        <source>Microphone</source>
        <translation>麦克风</translation>
    </message>
    <message>
        <source>System default</source>
        <translation>系统默认</translation>
    </message>
    <message>
        <source>Speaker / headset</source>
        <translation>扬声器 / 耳机</translation>
    </message>
    <message>
        <source>Ring on</source>
        <translation>振铃设备</translation>
    </message>
    <message>
        <source>Same as speaker / headset</source>
        <translation>与扬声器 / 耳机相同</translation>
    </message>
    <message>
        <source>Built-in tone</source>
        <translation>内置铃声</translation>
    </message>
    <message>
        <source>Browse…</source>
        <translation>浏览…</translation>
    </message>
    <message>
        <source>Use built-in</source>
        <translation>使用内置铃声</translation>
    </message>
    <message>
        <source>Ringtone</source>
        <translation>铃声</translation>
    </message>
    <message>
        <source>Server address</source>
        <translation>服务器地址</translation>
    </message>
    <message>
        <source>Choose a ringtone</source>
        <translation>选择铃声</translation>
    </message>
    <message>
        <source>WAV audio (*.wav)</source>
        <translation>WAV 音频 (*.wav)</translation>
    </message>
    <message>
        <source>The password was not saved: {reason}</source>
        <translation>密码未保存：{reason}</translation>
    </message>
    <message>
        <source>Kept for this session only</source>
        <translation>仅在本次会话中保留</translation>
    </message>
    <message>
        <source>Saved in the keyring — type to replace</source>
        <translation>已保存在密钥环中 — 输入新密码即可替换</translation>
    </message>
    <message>
        <source>Not set</source>
        <translation>未设置</translation>
    </message>
    <message>
        <source>{device} (not connected)</source>
        <translation>{device}（未连接）</translation>
    </message>
</context>
<context>
    <name>Shortcuts</name>
    <message>
        <source>Answer the ringing call, or call the number typed</source>
        <translation>接听来电，或拨打已输入的号码</translation>
    </message>
    <message>
        <source>Reject (decline) the ringing call</source>
        <translation>拒接来电</translation>
    </message>
    <message>
        <source>Hang up</source>
        <translation>挂断</translation>
    </message>
    <message>
        <source>Hold or resume</source>
        <translation>保持或恢复通话</translation>
    </message>
    <message>
        <source>Mute or unmute the microphone</source>
        <translation>麦克风静音或取消静音</translation>
    </message>
    <message>
        <source>Transfer; during a consultation, complete the transfer</source>
        <translation>转接；咨询过程中再按一次则完成转接</translation>
    </message>
    <message>
        <source>Cancel the transfer and go back to the caller</source>
        <translation>取消转接并返回原通话</translation>
    </message>
    <message>
        <source>Start, pause or resume recording</source>
        <translation>开始、暂停或继续录音</translation>
    </message>
    <message>
        <source>Show or hide the dial pad</source>
        <translation>显示或隐藏拨号盘</translation>
    </message>
    <message>
        <source>Go to the number field</source>
        <translation>转到号码栏</translation>
    </message>
    <message>
        <source>Send a digit during a call (type a digit into the number field otherwise)</source>
        <translation>通话中发送按键（无通话时输入到号码栏）</translation>
    </message>
    <message>
        <source>Call the number typed</source>
        <translation>拨打已输入的号码</translation>
    </message>
    <message>
        <source>Transfer now (blind transfer)</source>
        <translation>立即转接（盲转）</translation>
    </message>
    <message>
        <source>Call the target first (consult, then complete or cancel)</source>
        <translation>先呼叫转接目标（咨询后完成或取消）</translation>
    </message>
    <message>
        <source>Close the transfer panel</source>
        <translation>关闭转接面板</translation>
    </message>
    <message>
        <source>Settings</source>
        <translation>设置</translation>
    </message>
    <message>
        <source>Keyboard shortcuts</source>
        <translation>键盘快捷键</translation>
    </message>
    <message>
        <source>Quit</source>
        <translation>退出</translation>
    </message>
    <message>
        <source>Demo: simulate an inbound call</source>
        <translation>演示：模拟来电</translation>
    </message>
    <message>
        <source>Anywhere in the window</source>
        <translation>窗口内任意位置</translation>
    </message>
    <message>
        <source>In the dial pad</source>
        <translation>在拨号盘中</translation>
    </message>
    <message>
        <source>In the number field</source>
        <translation>在号码栏中</translation>
    </message>
    <message>
        <source>In the transfer panel</source>
        <translation>在转接面板中</translation>
    </message>
</context>
<context>
    <name>ShortcutsDialog</name>
    <message>
        <source>Keyboard shortcuts</source>
        <translation>键盘快捷键</translation>
    </message>
    <message>
        <source>Keys</source>
        <translation>按键</translation>
    </message>
    <message>
        <source>Action</source>
        <translation>操作</translation>
    </message>
    <message>
        <source>Where</source>
        <translation>适用范围</translation>
    </message>
</context>
<context>
    <name>SimulatedCaller</name>
    <message>
        <source>The simulated caller is not running.</source>
        <translation>模拟来电方未在运行。</translation>
    </message>
    <message>
        <source>The simulated caller could not run ({0}).</source>
        <translation>模拟来电方无法运行（{0}）。</translation>
    </message>
    <message>
        <source>The simulated caller stopped (exit code {0}).</source>
        <translation>模拟来电方已停止（退出码 {0}）。</translation>
    </message>
</context>
<context>
    <name>SyncStatusWidget</name>
    <message>
        <source>Sync now</source>
        <translation>立即同步</translation>
    </message>
    <message>
        <source>Send pending records and fetch updates now</source>
        <translation>立即发送待同步记录并获取更新</translation>
    </message>
    <message>
        <source>Online · last sync {time}</source>
        <translation>在线 · 上次同步 {time}</translation>
    </message>
    <message>
        <source>Online</source>
        <translation>在线</translation>
    </message>
    <message>
        <source>Syncing…</source>
        <translation>正在同步…</translation>
    </message>
    <message>
        <source>Offline (cached data from {time})</source>
        <translation>离线（缓存数据来自 {time}）</translation>
    </message>
    <message>
        <source>Offline</source>
        <translation>离线</translation>
    </message>
    <message>
        <source>Server login required</source>
        <translation>需要登录服务器</translation>
    </message>
    <message>
        <source>Connecting…</source>
        <translation>正在连接…</translation>
    </message>
    <message>
        <source>{count} pending</source>
        <translation>{count} 条待同步</translation>
    </message>
    <message>
        <source>{count} refused by the server</source>
        <translation>{count} 条被服务器拒绝</translation>
    </message>
    <message>
        <source>Next attempt in {seconds} s</source>
        <translation>{seconds} 秒后重试</translation>
    </message>
    <message>
        <source>This computer&apos;s clock is {seconds} s off the server&apos;s</source>
        <translation>本机时钟与服务器相差 {seconds} 秒</translation>
    </message>
</context>
<context>
    <name>TransferPanel</name>
    <message>
        <source>Transfer to: number or extension</source>
        <translation>转接到：号码或分机</translation>
    </message>
    <message>
        <source>Transfer target</source>
        <translation>转接目标</translation>
    </message>
    <message>
        <source>Transfer now</source>
        <translation>立即转接</translation>
    </message>
    <message>
        <source>Transfer the caller to this number now</source>
        <translation>立即将对方转接到此号码</translation>
    </message>
    <message>
        <source>Consult first</source>
        <translation>先咨询</translation>
    </message>
    <message>
        <source>Put the caller on hold and call this number first</source>
        <translation>保持当前通话，先呼叫此号码</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>关闭</translation>
    </message>
    <message>
        <source>Close the transfer panel</source>
        <translation>关闭转接面板</translation>
    </message>
    <message>
        <source>Transferring… ({detail})</source>
        <translation>正在转接…（{detail}）</translation>
    </message>
    <message>
        <source>Transferred.</source>
        <translation>已转接。</translation>
    </message>
    <message>
        <source>Transfer failed: {detail}</source>
        <translation>转接失败：{detail}</translation>
    </message>
    <message>
        <source>Talking to {who}. Complete the transfer, or cancel to go back to the caller.</source>
        <translation>正在与 {who} 通话。可完成转接，或取消以返回原通话。</translation>
    </message>
    <message>
        <source>Consulting {who}: {state}</source>
        <translation>转接咨询 {who}：{state}</translation>
    </message>
</context>
<context>
    <name>Tray</name>
    <message>
        <source>Incoming call</source>
        <translation>来电</translation>
    </message>
    <message>
        <source>Unknown caller</source>
        <translation>未知来电</translation>
    </message>
</context>
</TS>
