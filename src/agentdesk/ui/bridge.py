"""PhoneBridge: the one place where core phone and call-workflow events become Qt
signals.

The CallService passes every phone event on after updating its lines, so a slot
connected here always reads lines that already reflect the event. pjsua2 is pumped on
the GUI thread, so events normally arrive there; an event delivered from another
thread is re-posted to the bridge's thread through a queued connection, so every
slot still runs on the GUI thread (the Electrum pattern).
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject, Qt, QThread, Signal, SignalInstance, Slot

from agentdesk.core.call_service import CallService
from agentdesk.core.call_workflow import (
    AcwTicked,
    AgentStatus,
    CallWorkflow,
    WorkflowEvent,
    WrapUpFinished,
    WrapUpRequested,
)
from agentdesk.core.phone_events import (
    AudioDeviceChanged,
    CallHoldChanged,
    CallMuteChanged,
    CallStateChanged,
    DtmfReceived,
    IncomingCall,
    OutgoingCallStarted,
    PhoneError,
    PhoneEvent,
    RecordingChanged,
    RegistrationChanged,
    TransferProgress,
    TransferRequested,
    WaitingCallOffered,
)

log = logging.getLogger(__name__)

# Events that may change CallService.lines; each is followed by sig_lines_changed.
CALL_EVENTS = (IncomingCall, OutgoingCallStarted, CallStateChanged, CallHoldChanged,
               CallMuteChanged, DtmfReceived, TransferProgress, TransferRequested,
               RecordingChanged, WaitingCallOffered)


class PhoneBridge(QObject):
    sig_registration_changed = Signal(RegistrationChanged)
    sig_incoming_call = Signal(IncomingCall)
    sig_outgoing_call_started = Signal(OutgoingCallStarted)
    sig_call_state_changed = Signal(CallStateChanged)
    sig_hold_changed = Signal(CallHoldChanged)
    sig_mute_changed = Signal(CallMuteChanged)
    sig_dtmf_received = Signal(DtmfReceived)
    sig_transfer_progress = Signal(TransferProgress)
    sig_transfer_requested = Signal(TransferRequested)
    sig_recording_changed = Signal(RecordingChanged)
    sig_audio_device_changed = Signal(AudioDeviceChanged)
    sig_phone_error = Signal(PhoneError)
    sig_waiting_call_offered = Signal(WaitingCallOffered)
    sig_lines_changed = Signal()  # after any call event, once the specific signal ran
    # the call workflow (core.call_workflow): agent state, after-call work, wrap-up
    sig_agent_status_changed = Signal(AgentStatus)
    sig_wrapup_requested = Signal(WrapUpRequested)
    sig_acw_ticked = Signal(AcwTicked)
    sig_wrapup_finished = Signal(WrapUpFinished)

    _sig_event_posted = Signal(object)  # carries events across threads, queued

    def __init__(self, call_service: CallService, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.call_service = call_service
        self._signals: dict[type, SignalInstance] = {
            RegistrationChanged: self.sig_registration_changed,
            IncomingCall: self.sig_incoming_call,
            OutgoingCallStarted: self.sig_outgoing_call_started,
            CallStateChanged: self.sig_call_state_changed,
            CallHoldChanged: self.sig_hold_changed,
            CallMuteChanged: self.sig_mute_changed,
            DtmfReceived: self.sig_dtmf_received,
            TransferProgress: self.sig_transfer_progress,
            TransferRequested: self.sig_transfer_requested,
            RecordingChanged: self.sig_recording_changed,
            AudioDeviceChanged: self.sig_audio_device_changed,
            PhoneError: self.sig_phone_error,
            WaitingCallOffered: self.sig_waiting_call_offered,
            AgentStatus: self.sig_agent_status_changed,
            WrapUpRequested: self.sig_wrapup_requested,
            AcwTicked: self.sig_acw_ticked,
            WrapUpFinished: self.sig_wrapup_finished,
        }
        self._sig_event_posted.connect(self._dispatch, Qt.ConnectionType.QueuedConnection)
        call_service.subscribe(self.on_call_service_event)

    def attach_workflow(self, workflow: CallWorkflow) -> None:
        self.workflow = workflow
        workflow.subscribe(self.on_call_service_event)

    def on_call_service_event(self, event: PhoneEvent | WorkflowEvent) -> None:
        """The CallService listener; safe to call from any thread."""
        if QThread.currentThread() is self.thread():
            self._dispatch(event)
        else:
            self._sig_event_posted.emit(event)

    @Slot(object)
    def _dispatch(self, event: PhoneEvent | WorkflowEvent) -> None:
        signal = self._signals.get(type(event))
        if signal is None:
            log.warning("phone event %s has no bridge signal", type(event).__name__)
            return
        signal.emit(event)
        if isinstance(event, CALL_EVENTS):
            self.sig_lines_changed.emit()
