<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context>
    <name>AgentStateWidget</name>
    <message>
        <source>Ready</source>
        <translation>就绪</translation>
    </message>
    <message>
        <source>Not ready</source>
        <translation>未就绪</translation>
    </message>
    <message>
        <source>Stay ready after this call</source>
        <translation>本次通话后保持就绪</translation>
    </message>
    <message>
        <source>Just logged in</source>
        <translation>刚登录</translation>
    </message>
    <message>
        <source>After-call work {time} left</source>
        <translation>话后处理剩余 {time}</translation>
    </message>
    <message>
        <source>Logged out</source>
        <translation>已登出</translation>
    </message>
    <message>
        <source>Ringing</source>
        <translation>振铃中</translation>
    </message>
    <message>
        <source>Talking</source>
        <translation>通话中</translation>
    </message>
    <message>
        <source>On hold</source>
        <translation>保持中</translation>
    </message>
    <message>
        <source>After-call work</source>
        <translation>话后处理</translation>
    </message>
    <message>
        <source>{state} · {reason} {time}</source>
        <translation>{state} · {reason} {time}</translation>
    </message>
    <message>
        <source>{state} {time}</source>
        <translation>{state} {time}</translation>
    </message>
    <message>
        <source>Not ready after this call</source>
        <translation>本次通话后未就绪</translation>
    </message>
    <message>
        <source>Not ready now</source>
        <translation>立即置为未就绪</translation>
    </message>
    <message>
        <source>Not ready after this call: {reason}</source>
        <translation>本次通话后未就绪：{reason}</translation>
    </message>
</context>
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
    <name>CallScreen</name>
    <message>
        <source>Unknown caller</source>
        <translation>未知来电</translation>
    </message>
    <message>
        <source>The customer file could not be opened: {error}</source>
        <translation>无法打开客户档案：{error}</translation>
    </message>
    <message>
        <source>That customer is no longer on file.</source>
        <translation>该客户已不在档案中。</translation>
    </message>
    <message>
        <source>No server is set up for this seat.</source>
        <translation>本坐席未配置服务器。</translation>
    </message>
    <message>
        <source>this seat has no local store</source>
        <translation>此座席没有本地存储</translation>
    </message>
    <message>
        <source>The note could not be saved: {error}</source>
        <translation>备注未能保存：{error}</translation>
    </message>
    <message>
        <source>Not saved: {error}</source>
        <translation>未保存：{error}</translation>
    </message>
    <message>
        <source>The contact change could not be saved: {error}</source>
        <translation>联系方式的修改未能保存：{error}</translation>
    </message>
    <message>
        <source>the new customer is not in the local copy</source>
        <translation>新客户不在本地副本中</translation>
    </message>
    <message>
        <source>Unknown caller: no customer file was made.</source>
        <translation>未知来电者：未创建客户档案。</translation>
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
    <message>
        <source>The line went silent for {seconds} s: call ended.</source>
        <translation>线路已静默 {seconds} 秒：通话已结束。</translation>
    </message>
    <message>
        <source>The other side stopped confirming the call (SIP session timer): call ended.</source>
        <translation>对方已不再确认通话（SIP 会话定时器）：通话已结束。</translation>
    </message>
</context>
<context>
    <name>CallbacksList</name>
    <message>
        <source>Your time</source>
        <translation>您的时间</translation>
    </message>
    <message>
        <source>Customer&apos;s time</source>
        <translation>客户当地时间</translation>
    </message>
    <message>
        <source>Customer</source>
        <translation>客户</translation>
    </message>
    <message>
        <source>Owner</source>
        <translation>负责人</translation>
    </message>
    <message>
        <source>Note</source>
        <translation>备注</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>Done: the customer was called back</source>
        <translation>完成：已回电客户</translation>
    </message>
    <message>
        <source>Cancel the callback…</source>
        <translation>取消回电…</translation>
    </message>
    <message>
        <source>Done</source>
        <translation>完成</translation>
    </message>
    <message>
        <source>Cancel…</source>
        <translation>取消…</translation>
    </message>
    <message>
        <source>Why is it cancelled?</source>
        <translation>为什么取消？</translation>
    </message>
    <message>
        <source>e.g. the customer no longer wants it</source>
        <translation>例如：客户不再需要</translation>
    </message>
    <message>
        <source>Cancel the callback</source>
        <translation>取消回电</translation>
    </message>
    <message>
        <source>Keep it</source>
        <translation>保留</translation>
    </message>
    <message>
        <source>Caller {number}</source>
        <translation>来电者 {number}</translation>
    </message>
    <message>
        <source>Why is the callback for {customer} cancelled?</source>
        <translation>为什么取消 {customer} 的回电？</translation>
    </message>
    <message>
        <source>Me</source>
        <translation>我</translation>
    </message>
    <message>
        <source>My team</source>
        <translation>我的团队</translation>
    </message>
    <message>
        <source>Anyone</source>
        <translation>任何人</translation>
    </message>
    <message>
        <source>Upcoming</source>
        <translation>即将到期</translation>
    </message>
    <message>
        <source>Due</source>
        <translation>已到期</translation>
    </message>
    <message>
        <source>Overdue</source>
        <translation>已逾期</translation>
    </message>
    <message>
        <source>{zone} (unknown zone)</source>
        <translation>{zone}（未知时区）</translation>
    </message>
</context>
<context>
    <name>CustomerPanel</name>
    <message>
        <source>Contact</source>
        <translation>联系方式</translation>
    </message>
    <message>
        <source>Phone</source>
        <translation>电话</translation>
    </message>
    <message>
        <source>E-mail</source>
        <translation>邮箱</translation>
    </message>
    <message>
        <source>Edit contact</source>
        <translation>编辑联系方式</translation>
    </message>
    <message>
        <source>Account</source>
        <translation>账户</translation>
    </message>
    <message>
        <source>Details</source>
        <translation>详细信息</translation>
    </message>
    <message>
        <source>Consent</source>
        <translation>联系许可</translation>
    </message>
    <message>
        <source>Due</source>
        <translation>到期时间</translation>
    </message>
    <message>
        <source>Owner</source>
        <translation>负责人</translation>
    </message>
    <message>
        <source>Promise</source>
        <translation>承诺事项</translation>
    </message>
    <message>
        <source>Opened</source>
        <translation>创建日期</translation>
    </message>
    <message>
        <source>Age</source>
        <translation>历时</translation>
    </message>
    <message>
        <source>Complaint</source>
        <translation>投诉</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>When</source>
        <translation>时间</translation>
    </message>
    <message>
        <source>What</source>
        <translation>事件</translation>
    </message>
    <message>
        <source>Agent</source>
        <translation>坐席</translation>
    </message>
    <message>
        <source>Duration</source>
        <translation>时长</translation>
    </message>
    <message>
        <source>Codes</source>
        <translation>小结代码</translation>
    </message>
    <message>
        <source>Note</source>
        <translation>备注</translation>
    </message>
    <message>
        <source>Add a note to this customer&apos;s file</source>
        <translation>在此客户档案中添加备注</translation>
    </message>
    <message>
        <source>Save note</source>
        <translation>保存备注</translation>
    </message>
    <message>
        <source>Open promises</source>
        <translation>未兑现的承诺</translation>
    </message>
    <message>
        <source>Open complaints</source>
        <translation>未结投诉</translation>
    </message>
    <message>
        <source>History</source>
        <translation>历史记录</translation>
    </message>
    <message>
        <source>No customer</source>
        <translation>无客户</translation>
    </message>
    <message>
        <source>Looking up %1…</source>
        <translation>正在查找 %1…</translation>
    </message>
    <message>
        <source>the caller</source>
        <translation>来电方</translation>
    </message>
    <message>
        <source>Do not call: no sales calls to this customer</source>
        <translation>勿扰：请勿向此客户进行销售外呼</translation>
    </message>
    <message>
        <source>History is not available offline.</source>
        <translation>离线时无法查看历史记录。</translation>
    </message>
    <message>
        <source>Offline: this desktop&apos;s own records only; the server has the rest.</source>
        <translation>离线：仅显示本机的记录；其余记录在服务器上。</translation>
    </message>
    <message>
        <source>Newest entries only; more on the server.</source>
        <translation>仅显示最新记录；更多记录在服务器上。</translation>
    </message>
    <message>
        <source>Prospect</source>
        <translation>潜在客户</translation>
    </message>
    <message>
        <source>Active</source>
        <translation>活跃</translation>
    </message>
    <message>
        <source>At risk</source>
        <translation>有流失风险</translation>
    </message>
    <message>
        <source>Churned</source>
        <translation>已流失</translation>
    </message>
    <message>
        <source>Segment: %1</source>
        <translation>客群：%1</translation>
    </message>
    <message>
        <source>Tier %1</source>
        <translation>等级 %1</translation>
    </message>
    <message>
        <source>SMS</source>
        <translation>短信</translation>
    </message>
    <message>
        <source>Overdue: %1</source>
        <translation>已逾期：%1</translation>
    </message>
    <message>
        <source>You</source>
        <translation>您</translation>
    </message>
    <message>
        <source>Team</source>
        <translation>团队</translation>
    </message>
    <message>
        <source>Anyone</source>
        <translation>任何人</translation>
    </message>
    <message>
        <source>None</source>
        <translation>无</translation>
    </message>
    <message>
        <source>{count} d</source>
        <translation>{count} 天</translation>
    </message>
    <message>
        <source>not answered</source>
        <translation>未接通</translation>
    </message>
    <message>
        <source>Inbound call</source>
        <translation>呼入</translation>
    </message>
    <message>
        <source>Outbound call</source>
        <translation>呼出</translation>
    </message>
    <message>
        <source>Callback booked</source>
        <translation>已预约回电</translation>
    </message>
    <message>
        <source>Customer data changed</source>
        <translation>客户资料已修改</translation>
    </message>
    <message>
        <source>First name</source>
        <translation>名</translation>
    </message>
    <message>
        <source>Last name</source>
        <translation>姓</translation>
    </message>
    <message>
        <source>Segment</source>
        <translation>客户分群</translation>
    </message>
    <message>
        <source>Language</source>
        <translation>语言</translation>
    </message>
    <message>
        <source>Time zone</source>
        <translation>时区</translation>
    </message>
    <message>
        <source>Native name</source>
        <translation>本名</translation>
    </message>
    <message>
        <source>City</source>
        <translation>城市</translation>
    </message>
    <message>
        <source>Tier</source>
        <translation>等级</translation>
    </message>
    <message>
        <source>Lifecycle</source>
        <translation>生命周期阶段</translation>
    </message>
    <message>
        <source>Do not call</source>
        <translation>请勿致电</translation>
    </message>
    <message>
        <source>Complaints</source>
        <translation>投诉</translation>
    </message>
    <message>
        <source>(empty)</source>
        <translation>（空）</translation>
    </message>
    <message>
        <source>{field}: {old} → {new}</source>
        <translation>{field}：{old} → {new}</translation>
    </message>
    <message>
        <source>Save contact</source>
        <translation>保存联系方式</translation>
    </message>
    <message>
        <source>&apos;%1&apos; is not a phone number.</source>
        <translation>“%1”不是有效的电话号码。</translation>
    </message>
    <message>
        <source>&apos;%1&apos; is not an e-mail address.</source>
        <translation>“%1”不是有效的邮箱地址。</translation>
    </message>
</context>
<context>
    <name>CustomerSearch</name>
    <message>
        <source>Find a customer: id, account, phone or name (Ctrl+F)</source>
        <translation>查找客户：编号、账户、电话或姓名（Ctrl+F）</translation>
    </message>
    <message>
        <source>Customer search</source>
        <translation>客户搜索</translation>
    </message>
    <message>
        <source>Anything</source>
        <translation>全部字段</translation>
    </message>
    <message>
        <source>Customer id</source>
        <translation>客户编号</translation>
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
        <source>Name</source>
        <translation>姓名</translation>
    </message>
    <message>
        <source>Search</source>
        <translation>搜索</translation>
    </message>
    <message>
        <source>Type an id, an account, a phone number or a name.</source>
        <translation>请输入编号、账户、电话号码或姓名。</translation>
    </message>
    <message>
        <source>Searching…</source>
        <translation>正在搜索…</translation>
    </message>
    <message>
        <source>Customers found: {count}</source>
        <translation>找到客户：{count}</translation>
    </message>
    <message>
        <source>No customer found.</source>
        <translation>未找到客户。</translation>
    </message>
    <message>
        <source>Search failed: %1</source>
        <translation>搜索失败：%1</translation>
    </message>
</context>
<context>
    <name>DeskController</name>
    <message>
        <source>{count} call(s) from the last session still need a wrap-up.</source>
        <translation>上次会话有 {count} 通通话仍需小结。</translation>
    </message>
    <message>
        <source>Unfinished when agentdesk stopped: the call with {number} at {time} ({left} left to wrap up).</source>
        <translation>agentdesk 停止时未完成：{time} 与 {number} 的通话（还有 {left} 个待完成话后处理）。</translation>
    </message>
    <message>
        <source>No wrap-up codes are set up for this call.</source>
        <translation>此通话未配置小结代码。</translation>
    </message>
    <message>
        <source>The change of the earlier wrap-up was not saved.</source>
        <translation>对之前话后小结的修改未保存。</translation>
    </message>
    <message>
        <source>Finish the current call and its wrap-up first.</source>
        <translation>请先结束当前通话并完成其话后小结。</translation>
    </message>
    <message>
        <source>Save or cancel the wrap-up that is open first.</source>
        <translation>请先保存或取消已打开的话后小结。</translation>
    </message>
    <message>
        <source>This wrap-up can no longer be changed.</source>
        <translation>此话后小结已不能再修改。</translation>
    </message>
    <message>
        <source>The wrap-up was changed; the earlier one stays on record.</source>
        <translation>话后小结已修改；之前的版本仍保留在记录中。</translation>
    </message>
    <message>
        <source>The callback could not be closed: {error}</source>
        <translation>回电未能关闭：{error}</translation>
    </message>
    <message>
        <source>Callback marked done.</source>
        <translation>回电已标记为完成。</translation>
    </message>
    <message>
        <source>Callback cancelled.</source>
        <translation>回电已取消。</translation>
    </message>
    <message>
        <source>A promised callback is due at {time}.</source>
        <translation>约定的回电将于 {time} 到期。</translation>
    </message>
    <message>
        <source>Callback due</source>
        <translation>回电到期</translation>
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
        <source>My day</source>
        <translation>今日工作</translation>
    </message>
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
        <source>&amp;View</source>
        <translation>视图(&amp;V)</translation>
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
        <source>Call a telesales &amp;lead</source>
        <translation>呼叫电销线索(&amp;L)</translation>
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
    <name>NewCustomerForm</name>
    <message>
        <source>New customer</source>
        <translation>新建客户</translation>
    </message>
    <message>
        <source>Family name</source>
        <translation>姓</translation>
    </message>
    <message>
        <source>Given name</source>
        <translation>名</translation>
    </message>
    <message>
        <source>Name in Chinese</source>
        <translation>中文姓名</translation>
    </message>
    <message>
        <source>Phone</source>
        <translation>电话</translation>
    </message>
    <message>
        <source>E-mail</source>
        <translation>邮箱</translation>
    </message>
    <message>
        <source>Chinese</source>
        <translation>中文</translation>
    </message>
    <message>
        <source>English</source>
        <translation>英文</translation>
    </message>
    <message>
        <source>Customer</source>
        <translation>客户</translation>
    </message>
    <message>
        <source>Why</source>
        <translation>匹配原因</translation>
    </message>
    <message>
        <source>Open this customer</source>
        <translation>打开此客户</translation>
    </message>
    <message>
        <source>Save</source>
        <translation>保存</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>Language</source>
        <translation>语言</translation>
    </message>
    <message>
        <source>The caller&apos;s line shows the name: %1</source>
        <translation>来电线路显示的名称：%1</translation>
    </message>
    <message>
        <source>This may be a customer we already know. Open the existing file, or save as a new customer anyway.</source>
        <translation>该客户可能已存在。请打开现有客户档案，或仍然保存为新客户。</translation>
    </message>
    <message>
        <source>Save as new anyway</source>
        <translation>仍保存为新客户</translation>
    </message>
    <message>
        <source>Could not check for duplicates: %1</source>
        <translation>无法检查重复客户：%1</translation>
    </message>
    <message>
        <source>The customer could not be saved: %1</source>
        <translation>客户未能保存：%1</translation>
    </message>
    <message>
        <source>same number</source>
        <translation>号码相同</translation>
    </message>
    <message>
        <source>same name</source>
        <translation>姓名相同</translation>
    </message>
    <message>
        <source>similar name</source>
        <translation>姓名相似</translation>
    </message>
    <message>
        <source>Enter the customer&apos;s name.</source>
        <translation>请输入客户姓名。</translation>
    </message>
    <message>
        <source>&apos;%1&apos; is not a phone number.</source>
        <translation>“%1”不是有效的电话号码。</translation>
    </message>
    <message>
        <source>&apos;%1&apos; is not an e-mail address.</source>
        <translation>“%1”不是有效的邮箱地址。</translation>
    </message>
    <message>
        <source>Checking for existing customers…</source>
        <translation>正在检查是否已有该客户…</translation>
    </message>
</context>
<context>
    <name>ObjectionBar</name>
    <message>
        <source>Objection…</source>
        <translation>异议…</translation>
    </message>
    <message>
        <source>Open the rebuttals (Alt+%1)</source>
        <translation>打开应对话术（Alt+%1）</translation>
    </message>
</context>
<context>
    <name>PersonalDashboard</name>
    <message>
        <source>Today</source>
        <translation>今天</translation>
    </message>
    <message>
        <source>This week</source>
        <translation>本周</translation>
    </message>
    <message>
        <source>Calls handled</source>
        <translation>已处理通话</translation>
    </message>
    <message>
        <source>Average talk</source>
        <translation>平均通话时长</translation>
    </message>
    <message>
        <source>Average hold</source>
        <translation>平均保持时长</translation>
    </message>
    <message>
        <source>Average after-call work</source>
        <translation>平均话后处理时长</translation>
    </message>
    <message>
        <source>Average handle time</source>
        <translation>平均处理时长 (AHT)</translation>
    </message>
    <message>
        <source>Resolved on first contact</source>
        <translation>首次解决率</translation>
    </message>
    <message>
        <source>Conversion (sales)</source>
        <translation>转化率（销售）</translation>
    </message>
    <message>
        <source>Occupancy</source>
        <translation>占用率</translation>
    </message>
    <message>
        <source>Time in each state (minutes)</source>
        <translation>各状态时长（分钟）</translation>
    </message>
    <message>
        <source>Outcomes</source>
        <translation>通话结果</translation>
    </message>
    <message>
        <source>{resolved} of {contacted} contacted calls</source>
        <translation>{contacted} 通已接通通话中解决 {resolved} 通</translation>
    </message>
    <message>
        <source>{sales} sales in {contacted} contacted calls</source>
        <translation>{contacted} 通已接通通话中成交 {sales} 单</translation>
    </message>
    <message>
        <source>Talk + hold + after-call work, per handled call</source>
        <translation>每通已处理通话的通话 + 保持 + 话后处理时长</translation>
    </message>
    <message>
        <source>Wrapped up: {wrapped} · auto-wrapped (timer ran out, not an outcome): {auto} · not wrapped up yet: {unwrapped} · calls placed or offered: {total}</source>
        <translation>已小结：{wrapped} · 自动小结（计时结束，非实际结果）：{auto} · 尚未小结：{unwrapped} · 呼出或分配的通话：{total}</translation>
    </message>
    <message>
        <source>Figures appear after the first call.</source>
        <translation>完成第一通电话后将显示数据。</translation>
    </message>
    <message>
        <source>Ready</source>
        <translation>就绪</translation>
    </message>
    <message>
        <source>Ringing</source>
        <translation>振铃中</translation>
    </message>
    <message>
        <source>Talking</source>
        <translation>通话中</translation>
    </message>
    <message>
        <source>On hold</source>
        <translation>保持中</translation>
    </message>
    <message>
        <source>After-call work</source>
        <translation>话后处理</translation>
    </message>
    <message>
        <source>Not ready</source>
        <translation>未就绪</translation>
    </message>
    <message>
        <source>Not ready: {reason}</source>
        <translation>未就绪：{reason}</translation>
    </message>
    <message>
        <source>Minutes</source>
        <translation>分钟</translation>
    </message>
    <message>
        <source>Other</source>
        <translation>其他</translation>
    </message>
    <message>
        <source>Outcomes: no wrap-ups yet</source>
        <translation>通话结果：尚无小结</translation>
    </message>
    <message>
        <source>{percent} %</source>
        <translation>{percent}%</translation>
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
    <name>RecentCallsList</name>
    <message>
        <source>Time</source>
        <translation>时间</translation>
    </message>
    <message>
        <source>Direction</source>
        <translation>方向</translation>
    </message>
    <message>
        <source>Customer</source>
        <translation>客户</translation>
    </message>
    <message>
        <source>Duration</source>
        <translation>时长</translation>
    </message>
    <message>
        <source>Wrap-up</source>
        <translation>话后小结</translation>
    </message>
    <message>
        <source>Change until</source>
        <translation>可修改至</translation>
    </message>
    <message>
        <source>Change wrap-up…</source>
        <translation>修改话后小结…</translation>
    </message>
    <message>
        <source>In</source>
        <translation>呼入</translation>
    </message>
    <message>
        <source>Out</source>
        <translation>呼出</translation>
    </message>
    <message>
        <source>The after-call work ran out before a wrap-up was saved: change it to record the real outcome.</source>
        <translation>话后处理时间在保存小结前已用完：请修改以记录真实结果。</translation>
    </message>
    <message>
        <source>Unknown</source>
        <translation>未知</translation>
    </message>
    <message>
        <source>Not connected</source>
        <translation>未接通</translation>
    </message>
    <message>
        <source>Not wrapped up yet</source>
        <translation>尚未完成小结</translation>
    </message>
    <message>
        <source>Auto-wrapped</source>
        <translation>自动结束</translation>
    </message>
    <message>
        <source>{codes} (changed)</source>
        <translation>{codes}（已修改）</translation>
    </message>
    <message>
        <source>Choose a call to change its wrap-up.</source>
        <translation>选择一个通话以修改其话后小结。</translation>
    </message>
    <message>
        <source>Finish the current wrap-up first.</source>
        <translation>请先完成当前的话后小结。</translation>
    </message>
    <message>
        <source>Not during a call.</source>
        <translation>通话中不可修改。</translation>
    </message>
    <message>
        <source>The call was not connected: there is nothing to wrap up.</source>
        <translation>该通话未接通：无需小结。</translation>
    </message>
    <message>
        <source>This call has no saved wrap-up yet.</source>
        <translation>该通话尚无已保存的话后小结。</translation>
    </message>
    <message>
        <source>No wrap-up codes are set up for this call.</source>
        <translation>此通话没有设置话后代码。</translation>
    </message>
    <message>
        <source>Wrap-ups of this queue cannot be changed once saved.</source>
        <translation>此队列的话后小结一经保存便不能修改。</translation>
    </message>
    <message>
        <source>The time to change it ended at {time}.</source>
        <translation>修改期限已于 {time} 结束。</translation>
    </message>
    <message>
        <source>You can change it until {time}.</source>
        <translation>可修改至 {time}。</translation>
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
    <name>ScriptPanel</name>
    <message>
        <source>Change the script for this call</source>
        <translation>更换本次通话的话术</translation>
    </message>
    <message>
        <source>I have read this out to the customer</source>
        <translation>我已向客户宣读此内容</translation>
    </message>
    <message>
        <source>Back</source>
        <translation>上一步</translation>
    </message>
    <message>
        <source>Back to the previous step (Alt+Left)</source>
        <translation>返回上一步（Alt+Left）</translation>
    </message>
    <message>
        <source>Next</source>
        <translation>下一步</translation>
    </message>
    <message>
        <source>Return to the script</source>
        <translation>返回话术</translation>
    </message>
    <message>
        <source>Back to the step you were on (Esc)</source>
        <translation>返回之前所在的步骤（Esc）</translation>
    </message>
    <message>
        <source>No script for this call.</source>
        <translation>本次通话没有话术。</translation>
    </message>
    <message>
        <source>Objection: %1</source>
        <translation>异议：%1</translation>
    </message>
    <message>
        <source>Choose a rebuttal, or return to the script (Esc).</source>
        <translation>请选择应对话术，或返回话术（Esc）。</translation>
    </message>
    <message>
        <source>Required</source>
        <translation>必填</translation>
    </message>
    <message>
        <source>Type a number</source>
        <translation>请输入数字</translation>
    </message>
    <message>
        <source>Too small</source>
        <translation>数值过小</translation>
    </message>
    <message>
        <source>Too large</source>
        <translation>数值过大</translation>
    </message>
    <message>
        <source>Type a date as YYYY-MM-DD</source>
        <translation>请按 YYYY-MM-DD 格式输入日期</translation>
    </message>
    <message>
        <source>Choose one of the options</source>
        <translation>请选择其中一个选项</translation>
    </message>
    <message>
        <source>Not a phone number</source>
        <translation>不是有效的电话号码</translation>
    </message>
    <message>
        <source>Not an email address</source>
        <translation>不是有效的邮箱地址</translation>
    </message>
    <message>
        <source>Not in the expected form</source>
        <translation>格式不正确</translation>
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
        <source>My figures</source>
        <translation>我的数据</translation>
    </message>
    <message>
        <source>Recent calls</source>
        <translation>最近通话</translation>
    </message>
    <message>
        <source>My callbacks</source>
        <translation>我的回电</translation>
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
    <name>ServerLoginDialog</name>
    <message>
        <source>Log in to the agentdesk server</source>
        <translation>登录 agentdesk 服务器</translation>
    </message>
    <message>
        <source>Save the password in the system keyring</source>
        <translation>将密码保存在系统密钥环中</translation>
    </message>
    <message>
        <source>No system keyring is available: the password is kept for this session only.</source>
        <translation>没有可用的系统密钥环：密码仅在本次会话中保留。</translation>
    </message>
    <message>
        <source>Server</source>
        <translation>服务器</translation>
    </message>
    <message>
        <source>Username</source>
        <translation>用户名</translation>
    </message>
    <message>
        <source>Password</source>
        <translation>密码</translation>
    </message>
    <message>
        <source>Log in</source>
        <translation>登录</translation>
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
    <message>
        <source>Off</source>
        <translation>关闭</translation>
    </message>
    <message>
        <source>When the other side offers it</source>
        <translation>对方提供时使用</translation>
    </message>
    <message>
        <source>Always (refuse unencrypted calls)</source>
        <translation>始终使用（拒绝未加密的通话）</translation>
    </message>
    <message>
        <source>Secure media (SRTP)</source>
        <translation>安全媒体 (SRTP)</translation>
    </message>
    <message>
        <source>Secure media encrypts the call audio; its keys travel inside the SIP messages (SDES), so choose TLS as the transport with it: over UDP or TCP anyone on the network path can read the keys. TLS and SRTP go together: TLS protects the signalling and the keys, SRTP the voice. This phone&apos;s TLS goes up to TLS 1.2.</source>
        <translation>安全媒体会加密通话语音；其密钥随 SIP 消息传送 (SDES)，因此请同时选择 TLS 作为传输方式：使用 UDP 或 TCP 时，网络路径上的任何人都能读到密钥。TLS 与 SRTP 应配合使用：TLS 保护信令和密钥，SRTP 保护语音。本话机的 TLS 最高支持 TLS 1.2。</translation>
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
        <source>Search customers by id, account, phone or name</source>
        <translation>按编号、账户、电话或姓名搜索客户</translation>
    </message>
    <message>
        <source>Show or hide My day (figures and callbacks)</source>
        <translation>显示或隐藏今日工作（业绩与回电）</translation>
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
        <source>Demo: call a telesales lead</source>
        <translation>演示：呼叫一个电销线索</translation>
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
        <source>Log in…</source>
        <translation>登录…</translation>
    </message>
    <message>
        <source>Log in to the agentdesk server</source>
        <translation>登录 agentdesk 服务器</translation>
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
        <source>wrap-ups pending: {count}</source>
        <translation>待同步小结：{count}</translation>
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
        <source>{count} records waiting to be sent</source>
        <translation>{count} 条记录等待发送</translation>
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
<context>
    <name>WrapUpForm</name>
    <message>
        <source>Extend</source>
        <translation>延长</translation>
    </message>
    <message>
        <source>Type to find a code (Up/Down, Enter)</source>
        <translation>输入以查找小结代码（Up/Down、Enter）</translation>
    </message>
    <message>
        <source>Code</source>
        <translation>小结代码</translation>
    </message>
    <message>
        <source>Id</source>
        <translation>编号</translation>
    </message>
    <message>
        <source>Key</source>
        <translation>快捷键</translation>
    </message>
    <message>
        <source>Book a callback</source>
        <translation>预约回电</translation>
    </message>
    <message>
        <source>Me</source>
        <translation>我</translation>
    </message>
    <message>
        <source>My team</source>
        <translation>我的团队</translation>
    </message>
    <message>
        <source>Anyone</source>
        <translation>任何人</translation>
    </message>
    <message>
        <source>What was promised</source>
        <translation>承诺内容</translation>
    </message>
    <message>
        <source>Customer&apos;s time</source>
        <translation>客户当地时间</translation>
    </message>
    <message>
        <source>Your time</source>
        <translation>您的时间</translation>
    </message>
    <message>
        <source>Owner</source>
        <translation>负责人</translation>
    </message>
    <message>
        <source>Callback note</source>
        <translation>回电备注</translation>
    </message>
    <message>
        <source>Save wrap-up</source>
        <translation>保存小结</translation>
    </message>
    <message>
        <source>Save (Ctrl+S)</source>
        <translation>保存（Ctrl+S）</translation>
    </message>
    <message>
        <source>Skip</source>
        <translation>跳过</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>Keep the saved wrap-up as it is (Esc)</source>
        <translation>保留已保存的话后小结不变 (Esc)</translation>
    </message>
    <message>
        <source>Note</source>
        <translation>备注</translation>
    </message>
    <message>
        <source>Amount</source>
        <translation>金额</translation>
    </message>
    <message>
        <source>This call keeps the callback promised for {time}: mark it done</source>
        <translation>此通话兑现了约定于 {time} 的回电：标记为完成</translation>
    </message>
    <message>
        <source>Chosen: {codes}</source>
        <translation>已选：{codes}</translation>
    </message>
    <message>
        <source>No code chosen yet</source>
        <translation>尚未选择小结代码</translation>
    </message>
    <message>
        <source>Choose the customer&apos;s time zone</source>
        <translation>选择客户所在时区</translation>
    </message>
    <message>
        <source>{time} ({zone})</source>
        <translation>{time}（{zone}）</translation>
    </message>
    <message>
        <source>Choose a wrap-up code.</source>
        <translation>请选择小结代码。</translation>
    </message>
    <message>
        <source>This code is not in the code set.</source>
        <translation>此代码不在小结代码集中。</translation>
    </message>
    <message>
        <source>The auto-wrap code is set only by the timer.</source>
        <translation>自动小结代码只能由计时器设置。</translation>
    </message>
    <message>
        <source>A code is chosen twice.</source>
        <translation>有代码被重复选择。</translation>
    </message>
    <message>
        <source>Choose one code only for this queue.</source>
        <translation>此队列只能选择一个代码。</translation>
    </message>
    <message>
        <source>“{code}” needs a note.</source>
        <translation>“{code}”需要填写备注。</translation>
    </message>
    <message>
        <source>“{code}” needs an amount.</source>
        <translation>“{code}”需要填写金额。</translation>
    </message>
    <message>
        <source>The amount must be above 0.</source>
        <translation>金额必须大于 0。</translation>
    </message>
    <message>
        <source>Enter the amount as a number, e.g. 199.00.</source>
        <translation>请以数字形式输入金额，例如 199.00。</translation>
    </message>
    <message>
        <source>A callback needs a customer, or a caller&apos;s number to call back.</source>
        <translation>回电需要客户，或可回拨的来电号码。</translation>
    </message>
    <message>
        <source>Choose the callback time.</source>
        <translation>请选择回电时间。</translation>
    </message>
    <message>
        <source>The callback time needs a time zone.</source>
        <translation>回电时间需要指定时区。</translation>
    </message>
    <message>
        <source>The callback time must be in the future.</source>
        <translation>回电时间必须晚于当前时间。</translation>
    </message>
    <message>
        <source>Choose the customer&apos;s time zone.</source>
        <translation>请选择客户所在时区。</translation>
    </message>
    <message>
        <source>Unknown time zone.</source>
        <translation>未知时区。</translation>
    </message>
    <message>
        <source>Write what was promised.</source>
        <translation>请填写承诺内容。</translation>
    </message>
    <message>
        <source>The time to change this wrap-up is over.</source>
        <translation>此小结的修改时限已过。</translation>
    </message>
    <message>
        <source>This wrap-up belongs to another call.</source>
        <translation>此小结属于另一通电话。</translation>
    </message>
    <message>
        <source>Saved.</source>
        <translation>已保存。</translation>
    </message>
    <message>
        <source>Kept on a call</source>
        <translation>已在通话中兑现</translation>
    </message>
    <message>
        <source>Skipped.</source>
        <translation>已跳过。</translation>
    </message>
    <message>
        <source>Not changed.</source>
        <translation>未修改。</translation>
    </message>
    <message>
        <source>Changing the wrap-up saved at {time}: the change is recorded as a new wrap-up.</source>
        <translation>正在修改 {time} 保存的小结：修改将记录为一条新的小结。</translation>
    </message>
    <message>
        <source>Auto-wrapped: the ACW time ran out. It is reported apart; you can re-open it to add the real outcome.</source>
        <translation>已自动小结：话后处理时间已用完。该记录会单独统计；您可以重新打开并补充实际结果。</translation>
    </message>
    <message>
        <source>ACW over</source>
        <translation>话后处理已结束</translation>
    </message>
    <message>
        <source>ACW {time} left</source>
        <translation>话后处理剩余 {time}</translation>
    </message>
    <message>
        <source>ACW {time} · wrap up before the next call</source>
        <translation>话后处理 {time} · 请在下一通电话前完成小结</translation>
    </message>
    <message>
        <source>ACW {time}</source>
        <translation>话后处理 {time}</translation>
    </message>
</context>
</TS>
