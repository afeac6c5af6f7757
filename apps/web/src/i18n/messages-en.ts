/**
 * English texts. The Norwegian file must have exactly the same keys (its type says so), so a
 * text missing in one language is a type error, not a blank on screen.
 */
export const en = {
  appName: 'Skjerm',
  tagline: 'Secure video consultations',
  language: 'Language',
  skipToContent: 'Skip to content',
  signOut: 'Sign out',
  signedInAs: (name: string) => `Signed in as ${name}`,
  loading: 'Loading…',
  close: 'Close',
  cancel: 'Cancel',
  retry: 'Try again',
  backToStart: 'Back to the start page',

  signIn: {
    title: 'Sign in',
    intro:
      'Skjerm is the video consultation service of your health care provider. Sign in with your electronic ID before anything starts.',
    invited:
      'You have been invited to a video consultation. Sign in with your electronic ID (BankID or ID-porten) to continue.',
    button: 'Sign in with electronic ID',
    redirecting: 'Opening the sign-in page…',
    failed: (reason: string) => `Signing in did not work: ${reason}`,
    expired: 'Your sign-in has expired. Please sign in again.',
  },

  home: {
    title: 'Consultations',
    empty: 'You have no consultations yet.',
    newConsultation: 'New consultation',
    open: 'Start',
    opened: 'Open',
    columns: { title: 'Title', startsAt: 'Time', mode: 'Type', status: 'Status' },
    status: { booked: 'Booked', live: 'In progress', ended: 'Ended' } as Record<string, string>,
    mode: { consultation: 'Consultation', group: 'Group' } as Record<string, string>,
    withInterpreter: 'with interpreter',
    loadFailed: (reason: string) => `The consultations could not be loaded: ${reason}`,
    notClinician:
      'Open the invitation link you received from your clinic to join a consultation. This page has nothing for you to do.',
  },

  booking: {
    title: 'New consultation',
    consultationTitle: 'Title (what the patient sees)',
    consultationTitleDefault: 'Video consultation',
    startsAt: 'Date and time',
    mode: 'Type',
    modeConsultation: 'Consultation with one patient',
    modeGroup: 'Group (several patients)',
    patients: 'Patients',
    patient: (n: number) => `Patient ${n}`,
    patientName: 'Full name',
    nationalId: 'National identity number',
    nationalIdHint:
      '11 digits (fødselsnummer or D-number) or 12 digits (Swedish personnummer). Only this person can use the invitation.',
    displayName: 'Name shown to the other patients',
    displayNameHint:
      'Leave empty to show “Deltaker N”. Patients never see each other’s real names.',
    addPatient: 'Add patient',
    removePatient: 'Remove patient',
    interpreter: 'Invite an interpreter',
    coClinicians: 'Co-clinicians (optional)',
    coClinicianSubject: 'User id at the identity provider',
    coClinicianName: 'Name',
    coClinicianRole: 'Role',
    roleClinician: 'Clinician',
    roleObserver: 'Observing clinician',
    addCoClinician: 'Add co-clinician',
    removeCoClinician: 'Remove co-clinician',
    submit: 'Book consultation',
    submitting: 'Booking…',
    badTime: 'Enter a valid date and time.',
    failed: (reason: string) => `The consultation was not booked: ${reason}`,
    booked: 'Consultation booked',
    invitesIntro:
      'Send each invitation link to its person through your usual secure channel. A link works only for the person it was made for, and it is shown only now.',
    copy: 'Copy link',
    copied: 'Copied',
    copyFailed: 'Copy this link by hand',
    done: 'Done',
    startNow: 'Start the consultation',
  },

  roles: {
    clinician: 'Clinician',
    'observer-clinician': 'Observing clinician',
    patient: 'Patient',
    interpreter: 'Interpreter',
    relative: 'Relative',
  } as Record<string, string>,

  info: {
    title: 'Before the consultation',
    consultationWith: (names: string) => `Video consultation with ${names}`,
    at: (time: string) => `Time: ${time}`,
    groupNotice: (others: number) =>
      `This is a group session. ${others} other patient${others === 1 ? '' : 's'} may take part. They will see your video and the name chosen for you, never your identity number.`,
    processedTitle: 'What is processed',
    processed: [
      'Your name and national identity number, from your electronic ID, to check that you are the person invited.',
      'When you entered, were let in and left. This access log is kept by your health care provider as the law requires.',
      'Your picture and voice are sent only to the people in the consultation.',
    ],
    encryptedTitle: 'Encrypted and never recorded',
    encrypted:
      'Picture and sound are encrypted end to end in your browser: the video service passes them on but cannot see or hear them. Nothing is recorded.',
    deviceNote:
      'Your browser will ask for the camera and the microphone. You can turn either off during the call.',
    confirm: 'I have read this and want to continue',
    continue: 'Continue to the waiting room',
    notYou:
      'This invitation is for another person. Check that you signed in as yourself, or ask your clinic for a new link.',
    invalid: 'This invitation link is not valid any more. Ask your clinic for a new link.',
    noInvite: 'No invitation link was found. Open the link from your invitation again.',
  },

  devices: {
    denied:
      'The browser did not allow the camera or the microphone. Allow them in the browser’s address bar and try again.',
    missing: 'No camera or microphone was found.',
    busy: 'The camera or microphone is in use by another program. Close it and try again.',
    continueWithout: 'Continue without camera and microphone',
    none: 'You take part without camera and microphone: the others cannot see or hear you.',
    preview: 'Your camera',
  },

  waiting: {
    title: 'Waiting room',
    body: (clinicians: string) => `${clinicians} will let you in. Please keep this page open.`,
    bodyNoClinician: 'A clinician will let you in shortly. Please keep this page open.',
    alone: 'You are alone in your waiting room. Nobody else can see or hear you.',
    leave: 'Leave the waiting room',
  },

  call: {
    title: (title: string) => title,
    you: 'You',
    roster: 'In the call',
    participants: (n: number) => `${n} in the call`,
    waitingList: 'Waiting room',
    waitingEmpty: 'Nobody is waiting.',
    waitingSince: (time: string) => `waiting since ${time}`,
    identity: (id: string) => `Identity number ${id}`,
    assurance: (level: string) => `Signed in with ${level}`,
    assuranceLevels: {
      'idporten-loa-high': 'ID-porten, high level (BankID)',
      'idporten-loa-substantial': 'ID-porten, substantial level',
    } as Record<string, string>,
    admit: 'Let in',
    deny: 'Decline',
    admitName: (name: string) => `Let ${name} in`,
    denyName: (name: string) => `Decline ${name}`,
    arrived: (name: string) => `${name} is in the waiting room`,
    joinedNotice: (name: string) => `${name} joined`,
    leftNotice: (name: string) => `${name} left`,
    controls: 'Call controls',
    microphone: 'Microphone',
    camera: 'Camera',
    muteMic: 'Turn microphone off',
    unmuteMic: 'Turn microphone on',
    cameraOff: 'Turn camera off',
    cameraOn: 'Turn camera on',
    leave: 'Leave',
    end: 'End for everyone',
    endConfirm: 'End the consultation for everyone? Nobody can come back into it.',
    muteParticipant: (name: string) => `Turn off ${name}'s microphone`,
    remove: 'Remove',
    removeParticipant: (name: string) => `Remove ${name}`,
    removeConfirm: (name: string) => `Remove ${name} from the consultation?`,
    youAreMuted: 'You are muted. The others cannot hear you.',
    mutedByHost: 'A clinician turned off your microphone. Turn it on when you want to speak.',
    reconnecting: 'Connection lost. Reconnecting…',
    reconnected: 'Connected again.',
    audioOnly: 'Audio only',
    cameraIsOff: 'Camera off',
    micOff: 'Microphone off',
    micOn: 'Microphone on',
    verified: 'Safety code confirmed',
    encrypted: 'End-to-end encrypted',
    encryptionDetails: 'Encryption and safety code',
    safetyTitle: 'Safety code',
    safetyIntro:
      'Read the numbers aloud. Everyone in the call sees the same code when the connection is encrypted only for the people listed. The code changes when someone joins or leaves.',
    safetyPending: 'The code appears once the keys are exchanged.',
    safetyMatch: 'The codes match',
    safetyMismatch:
      'If any code differs, end the call now and contact your clinic: someone may be listening in.',
    safetyConfirmed: 'You confirmed the code for the people now in the call.',
    error: (reason: string) => `Something went wrong: ${reason}`,
    joining: 'Connecting to the consultation…',
  },

  ended: {
    title: 'The consultation has ended',
    left: 'You left the consultation.',
    ended: 'The clinician ended the consultation.',
    removed: 'A clinician removed you from the consultation.',
    denied: 'A clinician declined to let you in.',
    connection: 'The connection was lost and could not be restored.',
    released: 'Camera and microphone are off.',
    nothingRecorded: 'Nothing from the call was recorded.',
  },

  errors: {
    'connection-failed':
      'The video service could not be reached. Check your connection and try again.',
    'connection-closed': 'The connection to the video service was lost.',
    'request-timeout': 'The video service did not answer in time. Try again.',
    'media-failed': 'Picture or sound could not be connected. Try reloading the page.',
    'e2ee-failed':
      'The encryption keys could not be exchanged with everyone. Try reloading the page.',
    unauthenticated: 'Your sign-in is no longer valid. Sign in again.',
    forbidden: 'You are not allowed to do that in this consultation.',
    'not-found': 'That is not there any more.',
    'consultation-ended': 'The consultation has ended.',
    unavailable: 'The video service is busy or restarting. Try again in a moment.',
    'rate-limited': 'Too much at once. Wait a moment and try again.',
  } as Record<string, string>,

  unsupported: {
    title: 'This browser cannot be used',
    body: 'This browser cannot encrypt video end to end, and Skjerm never sends unencrypted video. Use a current version of Chrome, Edge, Firefox or Safari.',
  },
};

/** Every text the app shows; nb.ts satisfies the same type. */
export type Messages = typeof en;
