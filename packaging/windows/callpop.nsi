; Callpop's Windows installer, made by scripts/build-windows.sh with NSIS 3:
;
;   makensis -DVERSION=0.1.0 -DSRCDIR=<folder with the built files> -DOUTFILE=<installer.exe> callpop.nsi
;
; A per-user install (no administrator rights) into %LOCALAPPDATA%\Programs\Callpop, in English
; or Russian after the Windows display language. It files Callpop under the Start menu, in Apps &
; features, as a handler of tel: and callto: links and for toast notifications, and optionally
; starts it at login. The settings (%APPDATA%\Callpop), the directory and call history
; (%LOCALAPPDATA%\Callpop) survive upgrades and, unless asked, an uninstall; API keys (Credential
; Manager) are never touched.
;
; Command line, for IT deployment (GPO, Intune, SCCM):
;   /S                     silent: no window, no questions
;   /AUTOSTART             start Callpop at login (the "Start at login" option)
;   /PROVIDER=vega /DOMAIN=test4.pbx.vega.ua [/USER=001]
;                          pre-set the account in %APPDATA%\Callpop\config.toml, only when that
;                          file does not exist yet; never an API key (keys go to the keyring only:
;                          the user enters it, or `callpop-cli key set`)
;   /D=C:\path\Callpop     install folder: last, unquoted even with spaces (NSIS's rule)
; Uninstall.exe: /S silent, /PURGE also removes the settings, contacts and call history (and the
; app's WebView2 profile, %LOCALAPPDATA%\org.callpop.desktop).
;
; Exit codes: 0 installed, 1 cancelled by the user, 2 not installed: the Microsoft Edge WebView2
; Runtime is missing, or the pre-set is incomplete.

!ifndef VERSION | SRCDIR | OUTFILE
  !error "makensis needs -DVERSION=x.y.z -DSRCDIR=<built files> -DOUTFILE=<installer.exe>"
!endif

; 64-bit, like the app: a 32-bit installer would see the registry through WOW64 (and does
; nothing at all under a 64-bit-only Wine).
Unicode true
Target amd64-unicode
; LZMA, solid: the smallest installer. `-DCOMPRESSION=zlib` packs a debug build (~440 MB of
; programs) in about half a minute instead of minutes, at ~1.7 times the size.
!ifndef COMPRESSION
  !define COMPRESSION lzma
!endif
SetCompressor /SOLID /FINAL ${COMPRESSION}
!if ${COMPRESSION} == lzma
  SetCompressorDictSize 32
!endif

!define APP "Callpop"
; The app's AppUserModelID (src-tauri/src/win32.rs) and Tauri identifier.
!define AUMID "org.callpop.desktop"
!define UNINSTALL_KEY "Software\Microsoft\Windows\CurrentVersion\Uninstall\Callpop"
!define RUN_KEY "Software\Microsoft\Windows\CurrentVersion\Run"
!define STARTUP_APPROVED_KEY "Software\Microsoft\Windows\CurrentVersion\Explorer\StartupApproved\Run"
!define AUMID_KEY "Software\Classes\AppUserModelId\${AUMID}"
!define PROGID "Callpop.PhoneLink"
!define CAPABILITIES_KEY "Software\Callpop\Capabilities"
!define WEBVIEW2_KEY "Software\Microsoft\EdgeUpdate\Clients\{F3017226-FE2A-4295-8BDF-00C3A9A7E4C5}"
!define WEBVIEW2_URL "https://developer.microsoft.com/microsoft-edge/webview2/"

Name "${APP}"
OutFile "${OUTFILE}"
InstallDir "$LOCALAPPDATA\Programs\Callpop"
; An upgrade goes where the installed Callpop is.
InstallDirRegKey HKCU "${UNINSTALL_KEY}" "InstallLocation"
RequestExecutionLevel user
ManifestDPIAware true
BrandingText "${APP} ${VERSION}"

!include MUI2.nsh
!include nsDialogs.nsh
!include LogicLib.nsh
!include Sections.nsh
!include FileFunc.nsh

Var Provider ; the pre-set: /PROVIDER=, /DOMAIN=, /USER=
Var Domain
Var User
Var Restart ; 1: a running Callpop was closed for the upgrade
Var Purge ; uninstaller: 1 to remove the user's data too
Var PurgeCheckbox

!define MUI_ICON "${SRCDIR}\callpop.ico"
!define MUI_UNICON "${SRCDIR}\callpop.ico"
!define MUI_ABORTWARNING
!define MUI_COMPONENTSPAGE_SMALLDESC
!define MUI_FINISHPAGE_RUN "$INSTDIR\callpop.exe"

!insertmacro MUI_PAGE_WELCOME
!insertmacro MUI_PAGE_DIRECTORY
!insertmacro MUI_PAGE_COMPONENTS
!insertmacro MUI_PAGE_INSTFILES
!insertmacro MUI_PAGE_FINISH

!insertmacro MUI_UNPAGE_CONFIRM
UninstPage custom un.DataPage un.DataPageLeave
!insertmacro MUI_UNPAGE_INSTFILES

; No language dialog: NSIS takes the Windows display language, English when neither.
!insertmacro MUI_LANGUAGE "English"
!insertmacro MUI_LANGUAGE "Russian"

LangString AppDescription ${LANG_ENGLISH} "Pops up a card with the caller's details on every call"
LangString AppDescription ${LANG_RUSSIAN} "Показывает карточку звонящего при каждом звонке"
LangString PhoneLinkName ${LANG_ENGLISH} "Phone link (Callpop)"
LangString PhoneLinkName ${LANG_RUSSIAN} "Телефонная ссылка (Callpop)"
LangString SecAppDesc ${LANG_ENGLISH} "The app, its Start menu shortcut, and phone links (tel:, callto:) opened by Callpop."
LangString SecAppDesc ${LANG_RUSSIAN} "Приложение, ярлык в меню «Пуск» и открытие телефонных ссылок (tel:, callto:) в Callpop."
LangString SecAutostartName ${LANG_ENGLISH} "Start at login"
LangString SecAutostartName ${LANG_RUSSIAN} "Запускать при входе в Windows"
LangString SecAutostartDesc ${LANG_ENGLISH} "Start Callpop when you sign in to Windows. You can change this later in Callpop's settings."
LangString SecAutostartDesc ${LANG_RUSSIAN} "Запускать Callpop при входе в Windows. Это можно изменить позже в настройках Callpop."
LangString WebView2Missing ${LANG_ENGLISH} "Callpop cannot be installed: the Microsoft Edge WebView2 Runtime is missing on this computer, and Callpop needs it to show its windows.$\r$\n$\r$\nWindows 11 and updated Windows 10 include it. Otherwise install Microsoft's Evergreen WebView2 Runtime from:$\r$\n${WEBVIEW2_URL}$\r$\n(IT administrators: the Evergreen Standalone Installer.)$\r$\n$\r$\nThen run this setup again. Open that page now?"
LangString WebView2Missing ${LANG_RUSSIAN} "Callpop не может быть установлен: на этом компьютере нет среды Microsoft Edge WebView2 Runtime, без которой Callpop не может показывать свои окна.$\r$\n$\r$\nВ Windows 11 и обновлённой Windows 10 она уже есть. Иначе установите Evergreen WebView2 Runtime от Microsoft:$\r$\n${WEBVIEW2_URL}$\r$\n(Администраторам: автономный установщик Evergreen Standalone Installer.)$\r$\n$\r$\nЗатем запустите эту установку снова. Открыть эту страницу сейчас?"
LangString PresetIncomplete ${LANG_ENGLISH} "Callpop was not installed: the account pre-set needs both /PROVIDER= and /DOMAIN= (and optionally /USER=)."
LangString PresetIncomplete ${LANG_RUSSIAN} "Callpop не установлен: для предварительной настройки учётной записи нужны оба параметра /PROVIDER= и /DOMAIN= (и при желании /USER=)."
LangString PresetFailed ${LANG_ENGLISH} "Could not write the pre-set settings to $APPDATA\Callpop\config.toml."
LangString PresetFailed ${LANG_RUSSIAN} "Не удалось записать предварительные настройки в $APPDATA\Callpop\config.toml."
LangString DataTitle ${LANG_ENGLISH} "Your data"
LangString DataTitle ${LANG_RUSSIAN} "Ваши данные"
LangString DataSubtitle ${LANG_ENGLISH} "Choose whether to keep your settings, contacts and call history."
LangString DataSubtitle ${LANG_RUSSIAN} "Выберите, сохранить ли ваши настройки, контакты и историю звонков."
LangString DataText ${LANG_ENGLISH} "Callpop keeps your settings, contacts and call history in your Windows profile, so that Callpop finds them again when you install it anew."
LangString DataText ${LANG_RUSSIAN} "Callpop хранит ваши настройки, контакты и историю звонков в вашем профиле Windows, чтобы найти их снова при повторной установке."
LangString PurgeText ${LANG_ENGLISH} "Also remove my settings, contacts and call history"
LangString PurgeText ${LANG_RUSSIAN} "Также удалить мои настройки, контакты и историю звонков"

!searchparse /noerrors "${VERSION}-" "" V_MAJOR "." V_MINOR "." V_PATCH "-"
VIProductVersion "${V_MAJOR}.${V_MINOR}.${V_PATCH}.0"
VIFileVersion "${V_MAJOR}.${V_MINOR}.${V_PATCH}.0"
VIAddVersionKey /LANG=${LANG_ENGLISH} "ProductName" "${APP}"
VIAddVersionKey /LANG=${LANG_ENGLISH} "ProductVersion" "${VERSION}"
VIAddVersionKey /LANG=${LANG_ENGLISH} "CompanyName" "${APP}"
VIAddVersionKey /LANG=${LANG_ENGLISH} "FileDescription" "${APP} Setup"
VIAddVersionKey /LANG=${LANG_ENGLISH} "FileVersion" "${VERSION}"
VIAddVersionKey /LANG=${LANG_ENGLISH} "LegalCopyright" "${APP}: MIT OR Apache-2.0"

; ---------------------------------------------------------------------------------------------
; Install

!macro WritePhoneScheme SCHEME
  DeleteRegKey HKCU "Software\Classes\${SCHEME}"
  WriteRegStr HKCU "Software\Classes\${SCHEME}" "" "URL:${AUMID} protocol"
  WriteRegStr HKCU "Software\Classes\${SCHEME}" "URL Protocol" ""
  WriteRegStr HKCU "Software\Classes\${SCHEME}\DefaultIcon" "" "$INSTDIR\callpop.exe,0"
  WriteRegStr HKCU "Software\Classes\${SCHEME}\shell\open\command" "" '"$INSTDIR\callpop.exe" "%1"'
!macroend

Section "${APP}" SecApp
  SectionIn RO
  Call CloseCallpop

  SetOutPath "$INSTDIR"
  File "${SRCDIR}\callpop.exe"
  File "${SRCDIR}\callpop-cli.exe"
  File "${SRCDIR}\WebView2Loader.dll"
  File "${SRCDIR}\callpop.ico"
  WriteUninstaller "$INSTDIR\Uninstall.exe"

  CreateShortcut "$SMPROGRAMS\Callpop.lnk" "$INSTDIR\callpop.exe" "" "$INSTDIR\callpop.exe" 0 \
    SW_SHOWNORMAL "" "$(AppDescription)"
  Push "$SMPROGRAMS\Callpop.lnk"
  Call StampAppUserModelId

  ; Toast notifications (with buttons) name the app by its AppUserModelID.
  WriteRegStr HKCU "${AUMID_KEY}" "DisplayName" "${APP}"
  WriteRegStr HKCU "${AUMID_KEY}" "IconUri" "$INSTDIR\callpop.ico"

  ; tel: and callto: links. Installing is how the user chooses Callpop for them: the schemes'
  ; own classes are written as the app's "Open phone links with Callpop" setting writes them
  ; (tauri-plugin-deep-link), replacing another program's (whose leftover verbs, such as a
  ; DelegateExecute, would win over our command). Windows 10+ keeps the user's choice of handler
  ; elsewhere (UserChoice, which no program may write): the capabilities below put Callpop on
  ; Default apps' list for them.
  !insertmacro WritePhoneScheme tel
  !insertmacro WritePhoneScheme callto
  WriteRegStr HKCU "Software\Classes\${PROGID}" "" "$(PhoneLinkName)"
  WriteRegStr HKCU "Software\Classes\${PROGID}" "URL Protocol" ""
  WriteRegStr HKCU "Software\Classes\${PROGID}\DefaultIcon" "" "$INSTDIR\callpop.exe,0"
  WriteRegStr HKCU "Software\Classes\${PROGID}\shell\open\command" "" '"$INSTDIR\callpop.exe" "%1"'
  WriteRegStr HKCU "${CAPABILITIES_KEY}" "ApplicationName" "${APP}"
  WriteRegStr HKCU "${CAPABILITIES_KEY}" "ApplicationDescription" "$(AppDescription)"
  WriteRegStr HKCU "${CAPABILITIES_KEY}" "ApplicationIcon" "$INSTDIR\callpop.exe,0"
  WriteRegStr HKCU "${CAPABILITIES_KEY}\URLAssociations" "tel" "${PROGID}"
  WriteRegStr HKCU "${CAPABILITIES_KEY}\URLAssociations" "callto" "${PROGID}"
  WriteRegStr HKCU "Software\RegisteredApplications" "${APP}" "${CAPABILITIES_KEY}"
  ; Explorer rereads the associations.
  System::Call 'shell32::SHChangeNotify(i 0x08000000, i 0, p 0, p 0)' ; SHCNE_ASSOCCHANGED

  Call WritePresetConfig
SectionEnd

; Off by default; preselected by /AUTOSTART or when Callpop already starts at login.
Section /o "$(SecAutostartName)" SecAutostart
  ; Quoted: Windows splits an unquoted path at its first space. The app writes the same value.
  WriteRegStr HKCU "${RUN_KEY}" "Callpop" '"$INSTDIR\callpop.exe"'
SectionEnd

Section "-Finish"
  ${IfNot} ${SectionIsSelected} ${SecAutostart}
    DeleteRegValue HKCU "${RUN_KEY}" "Callpop"
    DeleteRegValue HKCU "${STARTUP_APPROVED_KEY}" "Callpop"
  ${EndIf}

  ; Apps & features
  WriteRegStr HKCU "${UNINSTALL_KEY}" "DisplayName" "${APP}"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "DisplayVersion" "${VERSION}"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "Publisher" "${APP}"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "DisplayIcon" "$INSTDIR\callpop.exe,0"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "InstallLocation" "$INSTDIR"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "UninstallString" '"$INSTDIR\Uninstall.exe"'
  WriteRegStr HKCU "${UNINSTALL_KEY}" "QuietUninstallString" '"$INSTDIR\Uninstall.exe" /S'
  WriteRegDWORD HKCU "${UNINSTALL_KEY}" "NoModify" 1
  WriteRegDWORD HKCU "${UNINSTALL_KEY}" "NoRepair" 1
  ${GetSize} "$INSTDIR" "/S=0K" $0 $1 $2
  WriteRegDWORD HKCU "${UNINSTALL_KEY}" "EstimatedSize" $0

  ; An upgrade closed the running Callpop: the interactive installer offers to start it on its
  ; last page; a silent one (IT's deployment) starts it again itself.
  ${If} $Restart == 1
  ${AndIf} ${Silent}
    Exec '"$INSTDIR\callpop.exe"'
  ${EndIf}
SectionEnd

!insertmacro MUI_FUNCTION_DESCRIPTION_BEGIN
  !insertmacro MUI_DESCRIPTION_TEXT ${SecApp} "$(SecAppDesc)"
  !insertmacro MUI_DESCRIPTION_TEXT ${SecAutostart} "$(SecAutostartDesc)"
!insertmacro MUI_FUNCTION_DESCRIPTION_END

Function .onInit
  SetShellVarContext current
  StrCpy $Restart 0

  ${GetParameters} $R0
  ClearErrors
  ${GetOptions} $R0 "/AUTOSTART" $R1
  ${IfNot} ${Errors}
    !insertmacro SelectSection ${SecAutostart}
  ${EndIf}
  ; An upgrade keeps Callpop starting at login if it did.
  ReadRegStr $R1 HKCU "${RUN_KEY}" "Callpop"
  ${If} $R1 != ""
    !insertmacro SelectSection ${SecAutostart}
  ${EndIf}

  ${GetOptions} $R0 "/PROVIDER=" $Provider
  ${GetOptions} $R0 "/DOMAIN=" $Domain
  ${GetOptions} $R0 "/USER=" $User
  ${If} "$Provider$Domain$User" != ""
    ${If} $Provider == ""
    ${OrIf} $Domain == ""
      MessageBox MB_OK|MB_ICONSTOP "$(PresetIncomplete)" /SD IDOK
      SetErrorLevel 2
      Quit
    ${EndIf}
  ${EndIf}

  Call CheckWebView2
FunctionEnd

; Callpop cannot start without the Evergreen WebView2 Runtime: it is installed when its version
; (`pv`) is filed for the machine (32-bit registry view, where Microsoft's installer writes it)
; or for the user, and is neither empty nor 0.0.0.0. Otherwise: say so, and exit with code 2
; having installed nothing.
Function CheckWebView2
  SetRegView 32
  ReadRegStr $0 HKLM "${WEBVIEW2_KEY}" "pv"
  SetRegView 64
  ${If} $0 == ""
  ${OrIf} $0 == "0.0.0.0"
    ReadRegStr $0 HKLM "${WEBVIEW2_KEY}" "pv"
  ${EndIf}
  SetRegView default
  ${If} $0 == ""
  ${OrIf} $0 == "0.0.0.0"
    ReadRegStr $0 HKCU "${WEBVIEW2_KEY}" "pv"
  ${EndIf}
  ${If} $0 == ""
  ${OrIf} $0 == "0.0.0.0"
    MessageBox MB_YESNO|MB_ICONSTOP "$(WebView2Missing)" /SD IDNO IDNO +2
      ExecShell "open" "${WEBVIEW2_URL}"
    SetErrorLevel 2
    Quit
  ${EndIf}
FunctionEnd

; Ends a running Callpop so that its files can be replaced (it keeps nothing unsaved: its
; settings are saved as they change, its database is SQLite).
!macro CloseCallpop UN
Function ${UN}CloseCallpop
  nsExec::Exec '"$SYSDIR\taskkill.exe" /F /IM callpop.exe'
  Pop $0
  ${If} $0 == 0
    StrCpy $Restart 1
    Sleep 1000 ; until Windows lets go of the program's files
  ${EndIf}
FunctionEnd
!macroend
!insertmacro CloseCallpop ""
!insertmacro CloseCallpop "un."

; Stamps the AppUserModelID on the shortcut (the stack's top), as Windows wants for toasts from
; a program started from its Start-menu entry: IShellLinkW → IPersistFile::Load → IPropertyStore
; SetValue(PKEY_AppUserModel_ID) + Commit → IPersistFile::Save. Best effort: the app also sets
; its AppUserModelID on its process and files it under HKCU\Software\Classes\AppUserModelId.
; Not verifiable under Wine, whose shell link property store does not keep the value.
Function StampAppUserModelId
  Exch $0 ; the shortcut
  Push $1 ; IShellLinkW
  Push $2 ; IPersistFile
  Push $3 ; IPropertyStore
  Push $4 ; PROPERTYKEY
  Push $5 ; PROPVARIANT
  Push $6 ; the ID as a wide string
  Push $7 ; HRESULT
  System::Call 'ole32::CoCreateInstance(g "{00021401-0000-0000-C000-000000000046}", p 0, i 1, \
    g "{000214F9-0000-0000-C000-000000000046}", *p .r1) i .r7'
  ${If} $7 = 0
    System::Call '$1->0(g "{0000010b-0000-0000-C000-000000000046}", *p .r2) i .r7'
    ${If} $7 = 0
      System::Call '$2->5(w r0, i 2) i .r7' ; Load(STGM_READWRITE)
      ${If} $7 = 0
        System::Call '$1->0(g "{886D8EEB-8CF2-4446-8D02-CDBA1DBDCF99}", *p .r3) i .r7'
        ${If} $7 = 0
          System::Call '*(g "{9F4C2855-9F79-4B39-A8D0-E1D42DE1D5F3}", i 5) p .r4'
          System::Call '*(&w64 "${AUMID}") p .r6'
          System::Call '*(&i2 31, &i2 0, &i4 0, p r6, p 0) p .r5' ; VT_LPWSTR
          System::Call '$3->6(p r4, p r5) i .r7' ; SetValue
          ${If} $7 = 0
            System::Call '$3->7() i .r7' ; Commit
          ${EndIf}
          ${If} $7 = 0
            System::Call '$2->6(p 0, i 1) i .r7' ; Save(NULL, TRUE)
          ${EndIf}
          System::Free $5
          System::Free $6
          System::Free $4
          System::Call '$3->2()'
        ${EndIf}
      ${EndIf}
      System::Call '$2->2()'
    ${EndIf}
    System::Call '$1->2()'
  ${EndIf}
  IntFmt $7 "0x%08X" $7
  DetailPrint "AppUserModelID on the shortcut: $7"
  Pop $7
  Pop $6
  Pop $5
  Pop $4
  Pop $3
  Pop $2
  Pop $1
  Pop $0
FunctionEnd

; IT's pre-set account, only where the user has no settings yet: a TOML file, UTF-8 without BOM.
Function WritePresetConfig
  ${If} $Provider == ""
  ${OrIf} ${FileExists} "$APPDATA\Callpop\config.toml"
    Return
  ${EndIf}
  CreateDirectory "$APPDATA\Callpop"
  Push $Provider
  Call TomlString
  Pop $1
  Push $Domain
  Call TomlString
  Pop $2
  StrCpy $3 "[account]$\nprovider = $1$\ndomain = $2$\n"
  ${If} $User != ""
    Push $User
    Call TomlString
    Pop $1
    StrCpy $3 "$3user = $1$\n"
  ${EndIf}
  ClearErrors
  FileOpen $0 "$APPDATA\Callpop\config.toml" w
  ${If} ${Errors}
    MessageBox MB_OK|MB_ICONEXCLAMATION "$(PresetFailed)" /SD IDOK
    Return
  ${EndIf}
  ; FileWrite would write the ANSI code page: the UTF-8 bytes go through WriteFile.
  System::Call 'kernel32::WideCharToMultiByte(i 65001, i 0, w r3, i -1, p 0, i 0, p 0, p 0) i .r4'
  System::Alloc $4
  Pop $5
  System::Call 'kernel32::WideCharToMultiByte(i 65001, i 0, w r3, i -1, p r5, i r4, p 0, p 0) i .r4'
  IntOp $4 $4 - 1 ; without the terminating NUL
  System::Call 'kernel32::WriteFile(p r0, p r5, i r4, *i .r6, p 0) i .r7'
  System::Free $5
  FileClose $0
  ${If} $7 = 0
  ${OrIf} $6 != $4
    Delete "$APPDATA\Callpop\config.toml"
    MessageBox MB_OK|MB_ICONEXCLAMATION "$(PresetFailed)" /SD IDOK
  ${EndIf}
FunctionEnd

; The stack's top as a TOML basic string: quoted, `"` and `\` escaped.
Function TomlString
  Exch $0
  Push $1 ; the result
  Push $2 ; index
  Push $3 ; character
  StrCpy $1 ""
  StrCpy $2 0
  ${Do}
    StrCpy $3 $0 1 $2
    ${If} $3 == ""
      ${ExitDo}
    ${EndIf}
    ${If} $3 == '"'
    ${OrIf} $3 == "\"
      StrCpy $1 "$1\"
    ${EndIf}
    StrCpy $1 "$1$3"
    IntOp $2 $2 + 1
  ${Loop}
  StrCpy $0 '"$1"'
  Pop $3
  Pop $2
  Pop $1
  Exch $0
FunctionEnd

; ---------------------------------------------------------------------------------------------
; Uninstall

Function un.onInit
  SetShellVarContext current
  StrCpy $Purge 0
  ${GetParameters} $R0
  ClearErrors
  ${GetOptions} $R0 "/PURGE" $R1
  ${IfNot} ${Errors}
    StrCpy $Purge 1
  ${EndIf}
FunctionEnd

Function un.DataPage
  !insertmacro MUI_HEADER_TEXT "$(DataTitle)" "$(DataSubtitle)"
  nsDialogs::Create 1018
  Pop $0
  ${NSD_CreateLabel} 0 0 100% 30u "$(DataText)"
  Pop $0
  ${NSD_CreateCheckbox} 0 40u 100% 12u "$(PurgeText)"
  Pop $PurgeCheckbox
  ${If} $Purge == 1
    ${NSD_Check} $PurgeCheckbox
  ${EndIf}
  nsDialogs::Show
FunctionEnd

Function un.DataPageLeave
  ${NSD_GetState} $PurgeCheckbox $0
  ${If} $0 == ${BST_CHECKED}
    StrCpy $Purge 1
  ${Else}
    StrCpy $Purge 0
  ${EndIf}
FunctionEnd

!macro RemovePhoneScheme SCHEME
  ; Only while it is still ours: the user may have given the links to another program since.
  ReadRegStr $0 HKCU "Software\Classes\${SCHEME}\shell\open\command" ""
  ${If} $0 == '"$INSTDIR\callpop.exe" "%1"'
    DeleteRegKey HKCU "Software\Classes\${SCHEME}"
  ${EndIf}
!macroend

Section "Uninstall"
  Call un.CloseCallpop

  Delete "$INSTDIR\callpop.exe"
  Delete "$INSTDIR\callpop-cli.exe"
  Delete "$INSTDIR\WebView2Loader.dll"
  Delete "$INSTDIR\callpop.ico"
  Delete "$INSTDIR\Uninstall.exe"
  RMDir "$INSTDIR"
  Delete "$SMPROGRAMS\Callpop.lnk"

  !insertmacro RemovePhoneScheme tel
  !insertmacro RemovePhoneScheme callto
  DeleteRegKey HKCU "Software\Classes\${PROGID}"
  DeleteRegValue HKCU "Software\RegisteredApplications" "${APP}"
  DeleteRegKey HKCU "${CAPABILITIES_KEY}"
  DeleteRegKey /ifempty HKCU "Software\Callpop"
  DeleteRegKey HKCU "${AUMID_KEY}"
  ReadRegStr $0 HKCU "${RUN_KEY}" "Callpop"
  ${If} $0 == '"$INSTDIR\callpop.exe"'
    DeleteRegValue HKCU "${RUN_KEY}" "Callpop"
    DeleteRegValue HKCU "${STARTUP_APPROVED_KEY}" "Callpop"
  ${EndIf}
  DeleteRegKey HKCU "${UNINSTALL_KEY}"
  System::Call 'shell32::SHChangeNotify(i 0x08000000, i 0, p 0, p 0)' ; SHCNE_ASSOCCHANGED

  ${If} $Purge == 1
    RMDir /r "$APPDATA\Callpop"
    RMDir /r "$LOCALAPPDATA\Callpop"
    ; The app's WebView2 profile (Tauri puts it under the app's identifier).
    RMDir /r "$LOCALAPPDATA\${AUMID}"
    RMDir /r "$APPDATA\${AUMID}"
  ${EndIf}
SectionEnd
